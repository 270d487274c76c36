//! The stdio framing in front of rmcp: every line a client sends gets an answer.
//!
//! rmcp drops a line over its 16 MiB limit and a line that is not JSON without a word, so a
//! client waits forever. This layer reads each line first (holding at most
//! [`MAX_MESSAGE`] bytes of it) and answers itself, as JSON-RPC 2.0 asks, when the line is
//! too long (`-32600`, naming the size and the limit), not JSON (`-32700`, id `null`), or a
//! `tools/call` whose `arguments` is not an object (`-32602`). Other lines go to rmcp
//! unchanged; its answers and these share one writer, line by line, so they never interleave.

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// The longest message read, in bytes (rmcp's own line limit).
pub const MAX_MESSAGE: usize = 16 << 20;

/// How far into an over-long message its `id` is looked for.
const ID_WINDOW: usize = 64 << 10;

/// What to do with one line from the client.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// Hand it to rmcp.
    Forward,
    /// Blank: nothing to answer.
    Skip,
    /// Answer with this error response.
    Answer(Value),
}

fn error(id: Value, code: i64, message: String) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// Judges a complete line of `len` bytes of which `kept` were kept (all of it unless over
/// [`MAX_MESSAGE`]).
fn judge(kept: &[u8], len: usize) -> Verdict {
    if len > MAX_MESSAGE {
        let id = top_level_id(&kept[..kept.len().min(ID_WINDOW)]).unwrap_or(Value::Null);
        let message = format!(
            "message of {len} bytes is over the {} MiB limit: send less (a smaller `with`, \
             or several calls)",
            MAX_MESSAGE >> 20
        );
        return Verdict::Answer(error(id, -32600, message));
    }
    if kept.iter().all(u8::is_ascii_whitespace) {
        return Verdict::Skip;
    }
    let v: Value = match serde_json::from_slice(kept) {
        Ok(v) => v,
        Err(e) => {
            return Verdict::Answer(error(Value::Null, -32700, format!("parse error: {e}")));
        }
    };
    if v.get("method").and_then(Value::as_str) == Some("tools/call") {
        let arguments = v.get("params").and_then(|p| p.get("arguments"));
        if arguments.is_some_and(|a| !a.is_object() && !a.is_null()) {
            let id = v.get("id").cloned().unwrap_or(Value::Null);
            let message = "invalid params: `arguments` must be an object".to_string();
            return Verdict::Answer(error(id, -32602, message));
        }
    }
    Verdict::Forward
}

/// The value of the top-level `"id"` key of a JSON object that may be cut short, if it is in
/// `text` whole.
fn top_level_id(text: &[u8]) -> Option<Value> {
    let (mut depth, mut i) = (0usize, 0usize);
    while i < text.len() {
        match text[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let start = i;
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 && text.get(start..=i) == Some(&b"\"id\""[..]) {
                    let rest = &text[(i + 1).min(text.len())..];
                    let colon = rest.iter().position(|&b| !b.is_ascii_whitespace())?;
                    if rest[colon] != b':' {
                        return None;
                    }
                    let mut values =
                        serde_json::Deserializer::from_slice(&rest[colon + 1..]).into_iter();
                    return values.next()?.ok();
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Copies client lines from `input` to `to_rmcp`, answering the bad ones through `out`.
async fn read_client<R, W>(input: R, mut to_rmcp: W, out: mpsc::Sender<Vec<u8>>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut input = BufReader::with_capacity(1 << 16, input);
    let mut line = Vec::new();
    loop {
        line.clear();
        let mut len = 0usize;
        let mut ended = false;
        loop {
            let buf = match input.fill_buf().await {
                Ok(b) => b,
                Err(_) => return,
            };
            if buf.is_empty() {
                break;
            }
            let (take, nl) = match buf.iter().position(|&b| b == b'\n') {
                Some(at) => (at + 1, true),
                None => (buf.len(), false),
            };
            let room = (MAX_MESSAGE + 1).saturating_sub(line.len());
            line.extend_from_slice(&buf[..take.min(room)]);
            len += take;
            input.consume(take);
            if nl {
                ended = true;
                break;
            }
        }
        if len == 0 {
            return; // end of input
        }
        let text_len = if ended { len - 1 } else { len };
        let kept = if line.last() == Some(&b'\n') { &line[..line.len() - 1] } else { &line[..] };
        match judge(kept, text_len) {
            Verdict::Skip => {}
            Verdict::Forward => {
                let framed = [kept, b"\n"].concat();
                if to_rmcp.write_all(&framed).await.is_err() {
                    return;
                }
            }
            Verdict::Answer(v) => {
                let mut bytes = v.to_string().into_bytes();
                bytes.push(b'\n');
                if out.send(bytes).await.is_err() {
                    return;
                }
            }
        }
        if !ended {
            return;
        }
    }
}

/// Copies rmcp's output to `out` line by line.
async fn read_rmcp<R: AsyncRead + Unpin>(from_rmcp: R, out: mpsc::Sender<Vec<u8>>) {
    let mut from_rmcp = BufReader::new(from_rmcp);
    loop {
        let mut line = Vec::new();
        match from_rmcp.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                if out.send(line).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// The transport rmcp serves on: a reader and a writer whose other ends are joined to
/// `input` and `output` by tasks spawned here (on the current runtime), with the checks of
/// the [module docs](self) in between.
pub fn transport<R, W>(
    input: R,
    mut output: W,
) -> (impl AsyncRead + Send + Unpin, impl AsyncWrite + Send + Unpin)
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (rmcp_in, ours_in) = tokio::io::duplex(1 << 16);
    let (ours_out, rmcp_out) = tokio::io::duplex(1 << 16);
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(64);
    tokio::spawn(read_client(input, ours_in, tx.clone()));
    tokio::spawn(read_rmcp(ours_out, tx));
    tokio::spawn(async move {
        while let Some(line) = rx.recv().await {
            if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
                return;
            }
        }
    });
    (rmcp_in, rmcp_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(v: &Verdict) -> Option<(i64, Value)> {
        match v {
            Verdict::Answer(v) => Some((v["error"]["code"].as_i64()?, v["id"].clone())),
            _ => None,
        }
    }

    #[test]
    fn bad_lines_get_their_json_rpc_error() {
        assert_eq!(code(&judge(b"hello world", 11)), Some((-32700, Value::Null)));
        let call = br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"find","arguments":"x"}}"#;
        assert_eq!(code(&judge(call, call.len())), Some((-32602, json!(7))));
        let fine = br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"f","arguments":{}}}"#;
        assert_eq!(judge(fine, fine.len()), Verdict::Forward);
        assert_eq!(judge(b"  ", 2), Verdict::Skip);
        let big = br#"{"jsonrpc":"2.0","id":"a\"b","method":"tools/call","params":{"x":"#;
        assert_eq!(code(&judge(big, MAX_MESSAGE + 1)), Some((-32600, json!("a\"b"))));
        let nested = br#"{"params":{"id":1},"id":2,"#;
        assert_eq!(top_level_id(nested), Some(json!(2)));
        assert_eq!(top_level_id(br#"{"method":"x","#), None);
    }
}
