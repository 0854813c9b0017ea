"""Latency of `auditlint lsp`: time from `didChange` to `publishDiagnostics` on a large file.

Usage: target/ci-venv/bin/python bench/lsp_latency.py [--lines 5000] [--changes 30] [--bin PATH]
(`bash .ci/deps` creates the venv with pygls.) Prints the median and the worst latency.
"""

import argparse
import asyncio
import pathlib
import statistics
import sys
import tempfile
import time

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client


def big_file(lines: int, swallow_every: int = 1) -> str:
    """A valid file of whole route handlers, `lines` lines or a few more; every
    `swallow_every`-th one swallows its audit insert. (Cut at exactly `lines`, the last handler
    was left open: a syntax error, so every check also re-parsed a repaired copy.)"""
    out = []
    i = 0
    while sum(entry.count("\n") + 1 for entry in out) < lines:
        handler = "  } catch (err) {}" if i % swallow_every == 0 else "  } catch (err) {\n    console.warn(JSON.stringify({ event: \"audit_log_insert_failed\", err }));\n  }"
        out += [
            f"export async function handler{i}(db: D1Database, user: string, ids: string[]) {{",
            f"  const rows = await db.prepare(\"SELECT * FROM items WHERE id = ?\").bind(ids[{i % 7}]).all();",
            "  for (const row of rows.results) {",
            "    await db.prepare(\"UPDATE items SET seen = 1 WHERE id = ?\").bind(row.id).run();",
            "  }",
            "  try {",
            f"    await db.prepare(\"INSERT INTO staff_audit_logs (user_id, action) VALUES (?, 'h{i}')\").bind(user).run();",
            handler,
            "  return new Response(JSON.stringify(rows.results));",
            "}",
            "",
        ]
        i += 1
    return "\n".join(out) + "\n"


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--swallow-every", type=int, default=50,
                        help="one handler in N swallows (1: every handler, a stress test)")
    parser.add_argument("--unclosed", action="store_true",
                        help="leave the last handler open: a file with a syntax error, as while typing")
    parser.add_argument("--bin", default=str(pathlib.Path(__file__).resolve().parents[1] / "target/release/auditlint"))
    args = parser.parse_args()

    root = pathlib.Path(tempfile.mkdtemp())
    (root / "auditlint.toml").write_text("")
    path = root / "big.ts"
    text = big_file(args.lines, args.swallow_every)
    if args.unclosed:
        text = text[: text.rstrip().rfind("\n}")] + "\n"
    path.write_text(text)
    uri = path.as_uri()

    client: LanguageClient = make_test_lsp_client()
    await client.start_io(args.bin, "lsp")
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("neovim@v0.7.0"),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="bench")],
        )
    )
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="typescript", version=1, text=text))
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    findings = len(client.diagnostics[uri])

    latencies = []
    for version in range(2, args.changes + 2):
        # Edit one line in the middle, as typing does.
        edited = text.replace("'h7')", f"'h7-{version}')", 1)
        started = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
            )
        )
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        latencies.append((time.perf_counter() - started) * 1000)

    await client.shutdown_session()
    print(f"file: {text.count(chr(10))} lines, {len(text)} bytes, {findings} findings per check")
    print(f"didChange -> publishDiagnostics over {len(latencies)} changes: "
          f"median {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms (target: < 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
