//! Benchmark, not a timed test: does a `gameday mocks` process keep its
//! memory flat under a long bounded load, and how fast does it refuse the
//! heaviest requests?
//!
//! Starts `gameday mocks` as a subprocess, warms it with 1,000 requests,
//! reads its resident memory (`VmRSS` in /proc), then sends 30,000 more
//! from 4 threads, each on a fresh connection: authorised and
//! unauthorised GitHub writes, unknown paths, PromQL instant and range
//! queries, 2 MiB bodies (413) and truncated bodies. It prints the memory
//! before and after, the answers by status, and how long the largest
//! refusals took (a 5,000-term PromQL chain, a query over the length
//! limit, a 100 MB declared body), with a PASS or FAIL line (FAIL, exit 1,
//! when memory grew by more than 32 MiB).
//!
//! Run with `cargo bench --bench fake_memory`; `-- --requests N` changes
//! the 30,000.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../tests/common/net.rs"]
mod net;

const TOKEN: &str = "bench-token";

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Sends raw bytes on a fresh connection; the status, or 0 if the
/// connection was closed without one.
fn raw(port: u16, bytes: &[u8]) -> u16 {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn query(expr: &str) -> String {
    let mut q = String::from("query=");
    for b in expr.bytes() {
        if b.is_ascii_alphanumeric() {
            q.push(b as char);
        } else {
            q.push_str(&format!("%{b:02X}"));
        }
    }
    q
}

/// The `i`th request of the load: (port offset, status).
fn one(base: u16, i: usize) -> u16 {
    let bearer = format!("Bearer {TOKEN}");
    match i % 8 {
        0 => {
            net::request(
                base,
                "",
                "GET",
                &format!(
                    "/api/v1/query?{}",
                    query(r#"sum by (service) (rate(http_requests_total{code=~"5.."}[5m]))"#)
                ),
                "",
            )
            .0
        }
        1 => {
            net::request(
                base,
                "",
                "GET",
                &format!(
                    "/api/v1/query_range?{}&start=1763743620&end=1763772420&step=60",
                    query("sum(http_requests_total)")
                ),
                "",
            )
            .0
        }
        2 => {
            net::request(
                base + 2,
                "token wrong",
                "POST",
                "/api/v3/repos/acme/shop/pulls",
                r#"{"title":"x"}"#,
            )
            .0
        }
        3 => {
            net::request(
                base + 2,
                &bearer,
                "GET",
                "/api/v3/repos/acme/shop/pulls",
                "",
            )
            .0
        }
        4 => net::request(base + 3, "", "GET", &format!("/api/v1/nowhere/{i}"), "").0,
        5 => {
            let mut b = format!("POST /api/v3/repos/acme/shop/pulls HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", 2 << 20).into_bytes();
            b.extend(std::iter::repeat_n(b'x', 64 * 1024));
            raw(base + 2, &b)
        }
        6 => raw(
            base + 1,
            b"POST /api/admin/features HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"trunc",
        ),
        _ => net::request(base + 4, &bearer, "GET", "/gameday/v1/clock", "").0,
    }
}

fn timed(f: impl FnOnce() -> u16) -> (u16, Duration) {
    let t = Instant::now();
    let s = f();
    (s, t.elapsed())
}

fn main() {
    let mut requests = 30_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--requests" {
            requests = args.next().and_then(|v| v.parse().ok()).unwrap_or(requests);
        }
    }
    let base = net::free_port_base();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["mocks", "--token", TOKEN, "--port-base", &base.to_string()])
        .args(["--at", "17:30", "--exit-after", "600"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gameday mocks starts");
    let pid = child.id();
    let up = Instant::now();
    while raw(
        base,
        b"GET /-/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ) != 200
    {
        assert!(
            up.elapsed() < Duration::from_secs(30),
            "the fakes did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    for i in 0..1_000 {
        one(base, i);
    }
    let before = rss_kib(pid);
    let started = Instant::now();
    let threads = 4;
    let per = requests / threads;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            std::thread::spawn(move || {
                let mut by: BTreeMap<u16, usize> = BTreeMap::new();
                for i in 0..per {
                    *by.entry(one(base, t * per + i)).or_default() += 1;
                }
                by
            })
        })
        .collect();
    let mut by: BTreeMap<u16, usize> = BTreeMap::new();
    for h in handles {
        for (k, v) in h.join().unwrap() {
            *by.entry(k).or_default() += v;
        }
    }
    let took = started.elapsed();
    let after = rss_kib(pid);

    let chain = vec!["1"; 5_000].join("+");
    let (s1, t1) = timed(|| {
        net::request(
            base,
            "",
            "GET",
            &format!("/api/v1/query?{}", query(&chain)),
            "",
        )
        .0
    });
    let long = format!("x{{a=\"{}\"}}", "y".repeat(33 * 1024));
    let (s2, t2) = timed(|| {
        net::request(
            base,
            "",
            "GET",
            &format!("/api/v1/query?{}", query(&long)),
            "",
        )
        .0
    });
    let (s3, t3) = timed(|| {
        raw(base + 2, b"POST /api/v3/repos/acme/shop/pulls HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
    });
    let _ = child.kill();
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let _ = child.wait();

    let sent: usize = by.values().sum();
    println!("gameday mocks under {sent} requests from {threads} threads in {:.1} s ({:.0}/s), after 1,000 to warm up", took.as_secs_f64(), sent as f64 / took.as_secs_f64());
    println!("answers by status: {by:?}");
    println!(
        "resident memory: {before} KiB before, {after} KiB after ({:+} KiB)",
        after as i64 - before as i64
    );
    println!("refused: 5,000-term chain {s1} in {:.1} ms; 33 KiB query {s2} in {:.1} ms; 100 MB declared body {s3} in {:.1} ms", t1.as_secs_f64() * 1e3, t2.as_secs_f64() * 1e3, t3.as_secs_f64() * 1e3);
    let lines = stderr.lines().count();
    println!("lines on the fakes' stderr: {lines}");
    let grew = after.saturating_sub(before);
    if grew > 32 * 1024 || s1 != 400 || s2 != 400 || s3 != 413 {
        println!("FAIL");
        std::process::exit(1);
    }
    println!("PASS: memory grew {grew} KiB (limit 32 MiB); every heavy request refused");
}
