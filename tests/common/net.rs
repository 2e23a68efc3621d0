//! Talking to a drill's fakes from a test: free ports and a plain HTTP/1.1
//! request with the credential a player sends.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

/// Six consecutive free loopback ports.
pub fn free_port_base() -> u16 {
    for _ in 0..50 {
        let base = TcpListener::bind(("127.0.0.1", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if base > u16::MAX - 6 {
            continue;
        }
        let all: Vec<_> = (0..6)
            .map(|i| TcpListener::bind(("127.0.0.1", base + i)))
            .collect();
        if all.iter().all(|l| l.is_ok()) {
            return base;
        }
    }
    panic!("no six free ports in a row")
}

/// `method target` on `port` with `Authorization: {auth}` (e.g. `Bearer
/// T`, or Unleash's raw token); the status and the body.
pub fn request(port: u16, auth: &str, method: &str, target: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("fake is listening");
    let req = format!(
        "{method} {target} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
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
