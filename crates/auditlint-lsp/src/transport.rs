//! The stdio transport: `Content-Length` frames in, JSON-RPC messages to the server, and frames
//! out. lsp-server's own reader ends the connection at the first malformed frame; this one
//! answers it and reads on:
//!
//! - a body that is not JSON (or holds a lone surrogate such as `"\ud800"`, which JSON text may
//!   spell but no string can hold): `-32700 Parse error`, with `id: null`;
//! - JSON that is not a message (a top-level array — LSP has no batches —, a number, an object
//!   without `method`/`result`/`error`): `-32600 Invalid Request`, with the request's `id` when
//!   it has a usable one, else `null`;
//! - a header block without a usable `Content-Length`: `-32700 Parse error`; the length of the
//!   body is unknown, so the reader skips to the next line that holds a `Content-Length` header
//!   and starts again there.
//!
//! Every reply is written whole under the same lock as the server's own messages.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, Message};
use serde_json::{Value, json};

/// JSON-RPC's "Invalid JSON was received".
const PARSE_ERROR: i32 = -32700;
/// JSON-RPC's "The JSON sent is not a valid Request object".
const INVALID_REQUEST: i32 = -32600;

/// The reader and writer threads of [`stdio`].
pub struct IoThreads {
    reader: JoinHandle<io::Result<()>>,
    writer: JoinHandle<io::Result<()>>,
}

impl IoThreads {
    pub fn join(self) -> io::Result<()> {
        let reader = self
            .reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let writer = self
            .writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        reader.and(writer)
    }
}

/// A connection over this process's stdin and stdout.
pub fn stdio() -> (Connection, IoThreads) {
    let output: Arc<Mutex<Box<dyn Write + Send>>> = Arc::new(Mutex::new(Box::new(io::stdout())));
    let input = io::BufReader::with_capacity(64 * 1024, io::stdin());
    let (connection, reader, writer) = transport(input, output);
    (connection, IoThreads { reader, writer })
}

/// The transport over any input and output (the tests drive it in memory).
pub fn transport<R: BufRead + Send + 'static>(
    input: R,
    output: Arc<Mutex<Box<dyn Write + Send>>>,
) -> (
    Connection,
    JoinHandle<io::Result<()>>,
    JoinHandle<io::Result<()>>,
) {
    let (to_server, from_client) = crossbeam_channel::unbounded::<Message>();
    let (to_client, from_server) = crossbeam_channel::unbounded::<Message>();
    let writer_output = Arc::clone(&output);
    let writer = std::thread::Builder::new()
        .name("auditlint-lsp-writer".into())
        .spawn(move || write_loop(&from_server, &writer_output))
        .expect("spawn the LSP writer thread");
    let reader = std::thread::Builder::new()
        .name("auditlint-lsp-reader".into())
        .spawn(move || read_loop(input, &to_server, &output))
        .expect("spawn the LSP reader thread");
    (
        Connection {
            sender: to_client,
            receiver: from_client,
        },
        reader,
        writer,
    )
}

fn write_loop(
    from_server: &Receiver<Message>,
    output: &Mutex<Box<dyn Write + Send>>,
) -> io::Result<()> {
    for message in from_server {
        let mut out = output.lock().unwrap_or_else(PoisonError::into_inner);
        message.write(&mut *out)?;
    }
    Ok(())
}

fn read_loop<R: BufRead>(
    mut input: R,
    to_server: &Sender<Message>,
    output: &Mutex<Box<dyn Write + Send>>,
) -> io::Result<()> {
    let mut frames = FrameReader::default();
    loop {
        let body = match frames.next(&mut input)? {
            Frame::End => return Ok(()),
            Frame::Malformed(why) => {
                reply_error(
                    output,
                    Value::Null,
                    PARSE_ERROR,
                    &format!("Parse error: {why}"),
                )?;
                continue;
            }
            Frame::Body(body) => body,
        };
        match message_of(&body) {
            Ok(message) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if to_server.send(message).is_err() || exit {
                    return Ok(());
                }
            }
            Err((id, code, why)) => reply_error(output, id, code, &why)?,
        }
    }
}

/// The message in a frame's body, or the error to answer it with (`id`, code, message).
fn message_of(body: &[u8]) -> Result<Message, (Value, i32, String)> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| (Value::Null, PARSE_ERROR, format!("Parse error: {e}")))?;
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    if !value.is_object() {
        let what = if value.is_array() {
            "a batch (an array) — the Language Server Protocol has none"
        } else {
            "not a JSON object"
        };
        return Err((id, INVALID_REQUEST, format!("Invalid Request: {what}")));
    }
    serde_json::from_value(value).map_err(|e| {
        (
            id,
            INVALID_REQUEST,
            format!("Invalid Request: not a JSON-RPC request, response or notification ({e})"),
        )
    })
}

fn reply_error(
    output: &Mutex<Box<dyn Write + Send>>,
    id: Value,
    code: i32,
    message: &str,
) -> io::Result<()> {
    let reply = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code, "message": message },
    })
    .to_string();
    let mut out = output.lock().unwrap_or_else(PoisonError::into_inner);
    write!(out, "Content-Length: {}\r\n\r\n{reply}", reply.len())?;
    out.flush()
}

enum Frame {
    Body(Vec<u8>),
    /// A header block the body of which cannot be delimited; the reader has resynchronised.
    Malformed(String),
    /// The client closed its end.
    End,
}

#[derive(Default)]
struct FrameReader {
    /// After a malformed header block: skip input up to the next `Content-Length` header.
    resync: bool,
}

impl FrameReader {
    fn next(&mut self, input: &mut impl BufRead) -> io::Result<Frame> {
        let mut line = Vec::new();
        let mut length: Option<Result<usize, String>> = None;
        let mut first = true;
        loop {
            line.clear();
            if input.read_until(b'\n', &mut line)? == 0 {
                return Ok(Frame::End);
            }
            if self.resync {
                let Some(at) = find_content_length(&line) else {
                    continue;
                };
                line.drain(..at);
                self.resync = false;
            }
            let text = trim_line_end(&line);
            if text.is_empty() {
                if first {
                    // Blank lines between frames are tolerated.
                    continue;
                }
                break;
            }
            first = false;
            let header = String::from_utf8_lossy(text);
            let Some((name, value)) = header.split_once(':') else {
                self.resync = true;
                return Ok(Frame::Malformed(format!(
                    "malformed header line {header:?}"
                )));
            };
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = Some(
                    value
                        .trim()
                        .parse::<usize>()
                        .map_err(|_| format!("invalid Content-Length {:?}", value.trim())),
                );
            }
        }
        let length = match length {
            Some(Ok(length)) => length,
            Some(Err(why)) => {
                self.resync = true;
                return Ok(Frame::Malformed(why));
            }
            None => {
                self.resync = true;
                return Ok(Frame::Malformed("missing Content-Length header".into()));
            }
        };
        // Read as the bytes arrive: a huge announced length costs only what is really sent.
        let mut body = Vec::new();
        input.by_ref().take(length as u64).read_to_end(&mut body)?;
        if body.len() < length {
            return Ok(Frame::End);
        }
        Ok(Frame::Body(body))
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Where `Content-Length` starts in `line`, any case.
fn find_content_length(line: &[u8]) -> Option<usize> {
    const NAME: &[u8] = b"content-length";
    line.windows(NAME.len())
        .position(|w| w.eq_ignore_ascii_case(NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Write` whose bytes the test can read after the transport wrote them.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    /// Feeds `input`, returns the messages the server got and the replies the client got.
    fn run(input: String) -> (Vec<Message>, Vec<Value>) {
        let out = Shared::default();
        let output: Arc<Mutex<Box<dyn Write + Send>>> = Arc::new(Mutex::new(Box::new(out.clone())));
        let (connection, reader, writer) = transport(io::Cursor::new(input.into_bytes()), output);
        reader.join().unwrap().unwrap();
        let received: Vec<Message> = connection.receiver.try_iter().collect();
        drop(connection);
        writer.join().unwrap().unwrap();
        let bytes = out.0.lock().unwrap().clone();
        let mut replies = Vec::new();
        let mut reader = FrameReader::default();
        let mut cursor = io::Cursor::new(bytes);
        while let Frame::Body(body) = reader.next(&mut cursor).unwrap() {
            replies.push(serde_json::from_slice(&body).unwrap());
        }
        (received, replies)
    }

    const PING: &str = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;

    #[test]
    fn every_malformed_frame_is_answered_and_the_next_one_is_read() {
        let input = [
            frame("{not json"),
            frame(PING),
            frame(
                r#"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"text":"\ud800"}}"#,
            ),
            frame(PING),
            frame(r#"[{"jsonrpc":"2.0","id":1,"method":"shutdown"}]"#),
            frame(PING),
            frame(r#"{"jsonrpc":"2.0","id":7,"method":5}"#),
            // No Content-Length: the body cannot be delimited; the next header is found.
            format!("Content-Type: application/json\r\n\r\n{PING}"),
            frame(PING),
            format!("garbage\r\n{}", frame(PING)),
        ]
        .concat();
        let (received, replies) = run(input);
        assert_eq!(received.len(), 5, "{received:?}");
        let codes: Vec<(i64, Value)> = replies
            .iter()
            .map(|r| (r["error"]["code"].as_i64().unwrap(), r["id"].clone()))
            .collect();
        assert_eq!(
            codes,
            vec![
                (-32700, Value::Null),
                (-32700, Value::Null),
                (-32600, Value::Null),
                (-32600, json!(7)),
                (-32700, Value::Null),
                (-32700, Value::Null),
            ],
            "{replies:#?}"
        );
        assert!(
            replies[1]["error"]["message"]
                .as_str()
                .unwrap()
                .contains("hex escape"),
            "{replies:#?}"
        );
    }

    #[test]
    fn exit_ends_the_reader_and_a_short_body_is_the_end() {
        let exit = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let (received, replies) = run([frame(exit), frame(PING)].concat());
        assert_eq!(received.len(), 1);
        assert!(replies.is_empty());
        let (received, _) = run("Content-Length: 100\r\n\r\n{}".into());
        assert!(received.is_empty());
    }
}
