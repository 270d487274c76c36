//! The MCP server over stdio, driven as a client would: every line sent gets an answer.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

/// Sends bad lines after the handshake and checks each gets its JSON-RPC error (issue 16
/// item 15): an over-long `tools/call` the size error (`-32600`, its id), a line that is not
/// JSON `-32700` (id `null`), a string for `arguments` `-32602`; then a good call still works.
#[test]
fn every_bad_line_gets_its_json_rpc_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "one\ntwo\n").unwrap();
    let mut child = Command::new(common::bigedit())
        .args(["mcp", "--root", dir.path().to_str().unwrap()])
        .env("BIGEDIT_CACHE_DIR", dir.path().join("cache"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (tx, rx) = mpsc::channel::<Value>();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines() {
            let Ok(line) = line else { return };
            if tx.send(serde_json::from_str(&line).unwrap()).is_err() {
                return;
            }
        }
    });
    // Waiting on the answer: a missing one fails the test after a minute instead of hanging.
    let next = || rx.recv_timeout(Duration::from_secs(60)).expect("no answer from the server");
    let mut send = |v: &[u8]| {
        stdin.write_all(v).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    };
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2024-11-05", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}});
    send(init.to_string().as_bytes());
    assert_eq!(next()["id"], 1);
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string().as_bytes());

    let big = format!(
        r#"{{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{"name":"replace_lines","arguments":{{"path":"a.txt","start":1,"end":1,"version":"x","with":"{}"}}}}}}"#,
        "x".repeat(17 << 20)
    );
    send(big.as_bytes());
    drop(big);
    let v = next();
    assert_eq!((v["id"].clone(), v["error"]["code"].clone()), (json!(2), json!(-32600)), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("16 MiB"), "{v}");

    send(b"hello world");
    let v = next();
    assert_eq!((v["id"].clone(), v["error"]["code"].clone()), (Value::Null, json!(-32700)), "{v}");

    let call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "file_info", "arguments": "{\"path\":\"a.txt\"}"}});
    send(call.to_string().as_bytes());
    let v = next();
    assert_eq!((v["id"].clone(), v["error"]["code"].clone()), (json!(3), json!(-32602)), "{v}");

    let call = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
        "params": {"name": "file_info", "arguments": {"path": "a.txt"}}});
    send(call.to_string().as_bytes());
    let v = next();
    assert_eq!(v["id"], 4, "{v}");
    assert!(v["result"]["content"][0]["text"].as_str().unwrap().contains("\"lines\":2"), "{v}");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
