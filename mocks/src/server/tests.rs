//! The server over real sockets: what a client sends, the handler sees;
//! what is too large or malformed is refused without reaching it; a
//! stopped server closes its connections.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::*;

/// A server whose handler echoes what it saw, and counts calls.
fn echo() -> (tokio::runtime::Runtime, Server, Arc<AtomicUsize>) {
    echo_within(BODY_TIMEOUT)
}

/// [`echo`] giving a body `body_timeout` to arrive.
fn echo_within(body_timeout: Duration) -> (tokio::runtime::Runtime, Server, Arc<AtomicUsize>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let server = rt.block_on(async {
        Server::start_with(TcpListener::bind("127.0.0.1:0").unwrap(), body_timeout).unwrap()
    });
    let seen = calls.clone();
    server.handle_with(move |req: &HttpRequest| {
        seen.fetch_add(1, Ordering::SeqCst);
        HttpResponse::json(
            201,
            &serde_json::json!({
                "method": req.method, "path": req.path, "query": req.query,
                "auth": req.header("Authorization"), "body_len": req.body.len(),
            }),
        )
        .with_header("x-seen", "yes")
    });
    (rt, server, calls)
}

/// Writes `raw` (then half-closes when `close`) and reads the answer.
fn exchange(server: &Server, raw: &[u8], close: bool) -> String {
    let mut s = TcpStream::connect(server.address()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(raw);
    if close {
        let _ = s.shutdown(Shutdown::Write);
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn get(server: &Server) -> String {
    exchange(
        server,
        b"GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n",
        false,
    )
}

#[test]
fn should_hand_the_handler_the_request_and_send_its_answer() {
    let (_rt, server, calls) = echo();
    let out = get(&server);
    assert!(out.starts_with("HTTP/1.1 201"), "{out}");
    assert!(out.to_ascii_lowercase().contains("x-seen: yes"), "{out}");
    assert!(out.contains("application/json"), "{out}");
    assert!(
        out.contains(r#""path":"/a/b""#) && out.contains(r#""query":"x=1""#),
        "{out}"
    );
    assert!(out.contains(r#""auth":"Bearer t""#), "{out}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn should_refuse_a_body_over_the_limit_before_reading_it() {
    let (_rt, server, calls) = echo();
    // Declared 100 MB, none of it sent: the answer comes at once.
    let head = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 100000000\r\n\r\n";
    let out = exchange(&server, head.as_bytes(), false);
    assert!(out.starts_with("HTTP/1.1 413"), "{out}");
    assert!(out.contains("100000000 bytes"), "{out}");
    // Chunked, with no length declared: cut at the limit.
    let mut raw =
        b"POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            .to_vec();
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..(MAX_BODY_BYTES / chunk.len() + 2) {
        raw.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        raw.extend_from_slice(&chunk);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let out = exchange(&server, &raw, false);
    assert!(
        out.starts_with("HTTP/1.1 413"),
        "{}",
        &out[..out.len().min(200)]
    );
    // At the limit, the handler gets it whole.
    let mut raw = format!("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: {MAX_BODY_BYTES}\r\nConnection: close\r\n\r\n").into_bytes();
    raw.extend(std::iter::repeat_n(b'b', MAX_BODY_BYTES));
    let out = exchange(&server, &raw, false);
    assert!(
        out.contains(&format!(r#""body_len":{MAX_BODY_BYTES}"#)),
        "{out}"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "refused bodies never reach the fake"
    );
}

#[test]
fn should_drop_malformed_requests_quietly_and_go_on_serving() {
    let (_rt, server, calls) = echo();
    let cases: [&[u8]; 4] = [
        // A body shorter than its Content-Length, then the client leaves.
        b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n0123456789",
        // Broken chunked encoding.
        b"POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        // Not HTTP at all.
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        // A head far over the limit.
        &[b'A'; MAX_HEAD_BYTES * 2],
    ];
    for raw in cases {
        let out = exchange(&server, raw, true);
        assert!(
            out.is_empty() || out.starts_with("HTTP/1.1 4"),
            "{}",
            &out[..out.len().min(200)]
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert!(get(&server).starts_with("HTTP/1.1 201"), "still serving");
}

#[test]
fn should_close_open_connections_when_stopped() {
    let (rt, server, calls) = echo();
    let mut s = TcpStream::connect(server.address()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let req = b"GET /k HTTP/1.1\r\nHost: h\r\n\r\n";
    s.write_all(req).unwrap();
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 201"));
    drop(server);
    std::thread::sleep(Duration::from_millis(200));
    // The kept-alive connection is closed: a request on it reaches nobody.
    let _ = s.write_all(req);
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "{}", String::from_utf8_lossy(&buf[..n]));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    drop(rt);
}

#[test]
fn should_give_up_on_a_body_that_does_not_arrive() {
    // A slow client sends its head and a promise of a body, then nothing.
    let (_rt, server, calls) = echo_within(Duration::from_millis(300));
    let out = exchange(
        &server,
        b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\nConnection: close\r\n\r\n01",
        false,
    );
    assert!(out.starts_with("HTTP/1.1 408"), "{out}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}
