//! End-to-end: `gameday mocks` serves the fakes on loopback and prints
//! where; plain HTTP requests get answers from the replayed world.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

mod common;

fn http(addr: &str, request: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("fake is listening");
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|b| b.1.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn should_serve_the_fakes_at_the_requested_moment() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args([
            "mocks",
            "--at",
            "17:30",
            "--token",
            "tok",
            "--exit-after",
            "20",
        ])
        .args([
            "--prometheus-port",
            "0",
            "--unleash-port",
            "0",
            "--github-port",
            "0",
        ])
        .args([
            "--argocd-port",
            "0",
            "--gameday-port",
            "0",
            "--rollouts-port",
            "0",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = |name: &str, banner: &mut Vec<String>| -> String {
        let row = format!("{name} ");
        if let Some(l) = banner
            .iter()
            .find(|l| l.starts_with(&row) && l.contains(" http://"))
        {
            return l
                .split("http://")
                .nth(1)
                .unwrap()
                .split('/')
                .next()
                .unwrap()
                .to_string();
        }
        panic!("no {name} in {banner:?}")
    };
    let mut banner = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    assert!(banner[0].contains("world at Fri 17:30:00"), "{banner:?}");
    assert!(
        banner.iter().all(|l| !l.contains("0.0.0.0")),
        "loopback only"
    );
    // The examples paste as printed: no `<placeholder>` a shell reads as
    // a redirect, the scenario's own flag, and where the new time is read.
    assert!(banner.iter().all(|l| !l.contains('<')), "{banner:#?}");
    assert!(
        banner
            .iter()
            .any(|l| l.contains("/features/payment_processing_v2/environments/production/off")),
        "{banner:#?}"
    );
    assert!(
        banner
            .iter()
            .any(|l| l.contains("/gameday/v1/clock gives the new `unix`")),
        "{banner:#?}"
    );

    let gameday = addr("gameday", &mut banner);
    let (status, body) = http(
        &gameday,
        "GET /gameday/v1/clock HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200);
    assert!(body.contains("Fri 17:30:00"), "{body}");

    let (status, _) = http(
        &gameday,
        "GET /gameday/v1/clock HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 401, "no token, no answer");

    let argocd = addr("argocd", &mut banner);
    let (status, body) = http(
        &argocd,
        "GET /api/v1/applications/payment HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer gameday.tok.drill\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"Synced\""), "{body}");

    let rollouts = addr("rollouts", &mut banner);
    let (status, body) = http(
        &rollouts,
        "GET /api/v1/rollouts/prod/payment/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"Healthy\""), "{body}");

    let unleash = addr("unleash", &mut banner);
    let (status, body) = http(
        &unleash,
        "GET /api/client/features HTTP/1.1\r\nHost: x\r\nAuthorization: tok\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200);
    assert!(body.contains("payment_processing_v2"), "{body}");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn should_reject_a_moment_past_the_horizon() {
    let o = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["mocks", "--at", "+9h", "--exit-after", "1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("horizon"));
    let o = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["mocks", "--at", "teatime", "--exit-after", "1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--at"));
}

#[test]
fn should_refuse_a_token_argo_cd_cannot_carry_and_a_port_base_without_room() {
    for cmd in ["mocks", "drill"] {
        let o = Command::new(env!("CARGO_BIN_EXE_gameday"))
            .args([cmd, "--token", "a.b.c"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("--token may hold only letters, digits"),
            "{cmd}: {err}"
        );
        let o = Command::new(env!("CARGO_BIN_EXE_gameday"))
            .args([cmd, "--token", "t", "--port-base", "65533"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("leaves no room for the six fakes"),
            "{cmd}: {err}"
        );
    }
}

#[test]
fn should_warn_loudly_and_ask_for_the_token_when_served_beyond_loopback() {
    for cmd in ["mocks", "drill"] {
        let base = common::net::free_port_base().to_string();
        let mut args = vec![
            cmd,
            "--token",
            "t",
            "--bind",
            "0.0.0.0",
            "--port-base",
            &base,
        ];
        args.extend(["--exit-after", "1"]);
        if cmd == "drill" {
            args.push("--quiet");
        }
        let o = Command::new(env!("CARGO_BIN_EXE_gameday"))
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("warning: --bind 0.0.0.0 serves the fakes beyond this machine")
                && err.contains("reads too"),
            "{cmd}: {err}"
        );
    }
}
