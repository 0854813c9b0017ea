"""The server under bad input (issue 14): malformed frames are answered and the server goes on;
documents over the size limit or the parse time limit are named, not analysed, and the server
stays up."""

import json
import pathlib
import subprocess

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from conftest import BIN, ROUTE
from test_lsp import initialize, next_diagnostics, open_doc, uri


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def message(obj) -> bytes:
    return frame(json.dumps(obj).encode())


class RawServer:
    """`auditlint lsp` driven with raw bytes on stdin, its frames read back from stdout."""

    def __init__(self, root: pathlib.Path):
        self.proc = subprocess.Popen([BIN, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.send(message({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "capabilities": {}, "workspaceFolders": [{"uri": uri(root), "name": "p"}]}}))
        assert self.read_until(lambda m: m.get("id") == 1)["result"]["capabilities"]
        self.send(message({"jsonrpc": "2.0", "method": "initialized", "params": {}}))

    def send(self, data: bytes):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def read(self) -> dict:
        length = None
        while True:
            line = self.proc.stdout.readline()
            assert line, "the server closed its output: " + self.proc.stderr.read().decode(errors="replace")
            line = line.strip()
            if not line:
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return json.loads(self.proc.stdout.read(length))

    def read_until(self, wanted) -> dict:
        while True:
            msg = self.read()
            # Requests from the server (watcher registration) are answered, the rest skipped.
            if "method" in msg and "id" in msg:
                self.send(message({"jsonrpc": "2.0", "id": msg["id"], "result": None}))
                continue
            if wanted(msg):
                return msg


BAD_FRAMES = [
    # Not JSON.
    (frame(b"{not json"), -32700),
    # A lone surrogate: JSON text may spell it, no string can hold it.
    (frame(b'{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":'
           b'{"uri":"file:///x.ts","version":2},"contentChanges":[{"text":"\\ud800"}]}}'), -32700),
    # A batch: the Language Server Protocol has none.
    (frame(b'[{"jsonrpc":"2.0","id":5,"method":"shutdown"}]'), -32600),
    # No Content-Length: the reader finds the next header and goes on.
    (b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{\"jsonrpc\":\"2.0\"}", -32700),
]


@pytest.mark.parametrize("bad,code", BAD_FRAMES, ids=["invalid-json", "lone-surrogate", "array", "no-content-length"])
def test_a_malformed_frame_is_answered_and_the_server_goes_on(project: pathlib.Path, bad: bytes, code: int):
    server = RawServer(project)
    try:
        server.send(bad)
        reply = server.read_until(lambda m: "error" in m)
        assert reply["id"] is None and reply["error"]["code"] == code, reply
        # Still serving: a document opened after the bad frame gets its finding.
        route = project / "route.ts"
        server.send(message({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri(route), "languageId": "typescript", "version": 1, "text": ROUTE}}}))
        published = server.read_until(
            lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri(route))
        assert [d.get("code") for d in published["params"]["diagnostics"]] == ["audit-error-swallowed"], published
        server.send(message({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        assert server.read_until(lambda m: m.get("id") == 2)["result"] is None
        server.send(message({"jsonrpc": "2.0", "method": "exit"}))
        assert server.proc.wait(timeout=10) == 0
    finally:
        if server.proc.poll() is None:
            server.proc.kill()


@pytest.mark.asyncio
async def test_a_document_over_max_file_size_is_named_not_analysed(client: LanguageClient, project):
    (project / "auditlint.toml").write_text("[files]\nmax-file-size = 1000\n")
    await initialize(client, project)
    route = project / "route.ts"
    big = ROUTE + "// padding\n" * 200
    open_doc(client, route, big)
    diagnostics = await next_diagnostics(client, route)
    assert len(diagnostics) == 1, diagnostics
    assert diagnostics[0].range.start.line == 0
    assert f"skipped: {len(big)} bytes is over the 1000-byte limit (`[files] max-file-size`)" in diagnostics[0].message
    # Back under the limit: analysed again.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(route), version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=ROUTE)],
        )
    )
    diagnostics = await next_diagnostics(client, route)
    assert [d.code for d in diagnostics] == ["audit-error-swallowed"], diagnostics


@pytest.mark.asyncio
async def test_a_document_over_the_parse_time_limit_is_named_and_the_server_lives(client: LanguageClient, project):
    await initialize(client, project)
    slow = project / "slow.ts"
    line = "// " + "p" * 76 + "\n"
    # tree-sitter's automatic-semicolon scan makes this quadratic: ~20 s unlimited.
    open_doc(client, slow, "const audit = 1;\nfoo()\n" + line * (600 * 1024 // 80) + "/")
    diagnostics = await next_diagnostics(client, slow)
    assert any("not checked: parse time limit exceeded" in d.message for d in diagnostics), diagnostics
    route = project / "route.ts"
    open_doc(client, route, ROUTE)
    diagnostics = await next_diagnostics(client, route)
    assert [d.code for d in diagnostics] == ["audit-error-swallowed"], diagnostics


@pytest.mark.asyncio
async def test_a_document_that_made_the_parser_recurse_per_line_does_not_end_the_server(client: LanguageClient, project):
    # Issue 14 item 2: while recovering from `(f<>(() => {})`, tree-sitter recursed once per
    # following line; 100,000 comment lines in `didOpen` overflowed the server's stack.
    await initialize(client, project)
    deep = project / "deep.ts"
    open_doc(client, deep, "const audit = 1;\n(f<>(() => {})\n" + "//c\n" * 100_000)
    diagnostics = await next_diagnostics(client, deep)
    # Parsed (on a thread with a large stack) and said to be partial, as the CLI says it.
    assert any("syntax error at line 2" in d.message for d in diagnostics), diagnostics
    route = project / "route.ts"
    open_doc(client, route, ROUTE)
    diagnostics = await next_diagnostics(client, route)
    assert [d.code for d in diagnostics] == ["audit-error-swallowed"], diagnostics
