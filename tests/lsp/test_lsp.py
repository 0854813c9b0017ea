import asyncio
import pathlib

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pytest_lsp import LanguageClient, client_capabilities

from conftest import ROUTE, ROUTE_FIXED


def uri(path: pathlib.Path) -> str:
    return path.as_uri()


async def initialize(client: LanguageClient, root: pathlib.Path, spec: str = "neovim@v0.7.0", encodings=None):
    capabilities = client_capabilities(spec)
    if encodings is not None:
        capabilities.general = types.GeneralClientCapabilities(position_encodings=encodings)
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            workspace_folders=[types.WorkspaceFolder(uri=uri(root), name="project")],
        )
    )


def open_doc(client: LanguageClient, path: pathlib.Path, text: str, version: int = 1):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri(path), language_id="typescript", version=version, text=text)
        )
    )


def change_doc(client: LanguageClient, path: pathlib.Path, text: str, version: int):
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(path), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def next_diagnostics(client: LanguageClient, path: pathlib.Path):
    await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
    return list(client.diagnostics[uri(path)])


@pytest.mark.asyncio
async def test_initialize_negotiates_utf16_by_default_and_utf8_when_offered(client: LanguageClient, project):
    result = await initialize(client, project, encodings=["utf-16"])
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf16
    assert result.server_info.name == "auditlint"
    assert result.capabilities.code_action_provider


@pytest.mark.asyncio
async def test_utf8_is_chosen_when_the_client_offers_it(client: LanguageClient, project):
    result = await initialize(client, project, encodings=["utf-8", "utf-16"])
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8


@pytest.mark.asyncio
async def test_open_publishes_a_cross_file_finding(client: LanguageClient, project):
    await initialize(client, project)
    route = project / "route.ts"
    open_doc(client, route, ROUTE, version=7)
    diagnostics = await next_diagnostics(client, route)
    assert len(diagnostics) == 1, diagnostics
    d = diagnostics[0]
    assert d.code == "audit-error-swallowed"
    assert d.source == "auditlint"
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.code_description.href.endswith("rules/audit-error-swallowed.md")
    assert (d.range.start.line, d.range.start.character) == (5, 4)
    assert "`staff_audit_logs`" in d.message
    # The audit write lives in a file that is not open: the background index found it.
    related = {r.location.uri for r in d.related_information}
    assert uri(project / "audit.ts") in related


@pytest.mark.asyncio
async def test_change_updates_and_close_clears(client: LanguageClient, project):
    await initialize(client, project)
    route = project / "route.ts"
    open_doc(client, route, ROUTE)
    assert len(await next_diagnostics(client, route)) == 1
    change_doc(client, route, ROUTE_FIXED, version=2)
    assert await next_diagnostics(client, route) == []
    change_doc(client, route, ROUTE, version=3)
    assert len(await next_diagnostics(client, route)) == 1
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri(route))))
    assert await next_diagnostics(client, route) == []


TODO_REASON = "TODO: say why this failure may stay silent here"


def apply_edits(text: str, edits) -> str:
    """Applies LSP text edits (ASCII text: UTF-16 columns are byte columns) to `text`."""
    starts = [0]
    for line in text.split("\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position):
        return starts[position.line] + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


async def code_actions(client: LanguageClient, path: pathlib.Path, diagnostics):
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri(path)),
            range=diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=list(diagnostics)),
        )
    )


@pytest.mark.asyncio
async def test_quick_fix_inserts_an_indented_suppression_with_a_valid_todo_reason(client: LanguageClient, project):
    # Neovim 0.7 takes no snippet edits: the reason is written out, and it is a valid one.
    await initialize(client, project)
    route = project / "route.ts"
    open_doc(client, route, ROUTE)
    diagnostics = await next_diagnostics(client, route)
    actions = await code_actions(client, route, diagnostics)
    assert [a.title for a in actions] == [
        "Suppress `audit-error-swallowed` on this line (say why in the reason)",
        "Surface the failure: log it with `console.warn` (changes behaviour)",
    ]
    action = actions[0]
    assert action.kind == types.CodeActionKind.QuickFix
    (edit,) = action.edit.changes[uri(route)]
    assert edit.range.start == types.Position(line=5, character=0)
    assert edit.new_text == f"  // auditlint-ignore audit-error-swallowed -- {TODO_REASON}\n"
    # Accepted unedited, it silences the finding and is no `suppression-invalid` error.
    change_doc(client, route, apply_edits(ROUTE, [edit]), version=2)
    assert await next_diagnostics(client, route) == []


@pytest.mark.asyncio
async def test_surface_the_failure_logs_the_error_and_the_finding_goes(client: LanguageClient, project):
    await initialize(client, project)
    route = project / "route.ts"
    open_doc(client, route, ROUTE)
    diagnostics = await next_diagnostics(client, route)
    surface = (await code_actions(client, route, diagnostics))[1]
    assert surface.kind == types.CodeActionKind.QuickFix
    assert surface.diagnostics[0].code == "audit-error-swallowed"
    fixed = apply_edits(ROUTE, surface.edit.changes[uri(route)])
    assert fixed == ROUTE.replace(
        "catch (err) {}",
        'catch (err) {\n    console.warn(JSON.stringify({ event: "staff_audit_logs_insert_failed", error: String(err) }));\n  }',
    )
    change_doc(client, route, fixed, version=2)
    assert await next_diagnostics(client, route) == []


@pytest.mark.asyncio
async def test_suppression_reason_is_a_snippet_tabstop_for_clients_with_snippet_edits(client: LanguageClient, project):
    # LSP 3.18 `SnippetTextEdit`, announced by `workspace.workspaceEdit.snippetEditSupport`.
    capabilities = client_capabilities("neovim@v0.7.0")
    capabilities.workspace.workspace_edit = types.WorkspaceEditClientCapabilities(
        document_changes=True, snippet_edit_support=True
    )
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            workspace_folders=[types.WorkspaceFolder(uri=uri(project), name="project")],
        )
    )
    route = project / "route.ts"
    open_doc(client, route, ROUTE, version=3)
    diagnostics = await next_diagnostics(client, route)
    suppress, surface = await code_actions(client, route, diagnostics)
    (change,) = suppress.edit.document_changes
    assert change.text_document.uri == uri(route)
    assert change.text_document.version == 3
    (edit,) = change.edits
    assert isinstance(edit, types.SnippetTextEdit), edit
    assert edit.range.start == types.Position(line=5, character=0)
    # The reason is the first tabstop; its default text is the valid TODO reason.
    assert edit.snippet.value == "  // auditlint-ignore audit-error-swallowed -- ${1:" + TODO_REASON + "}\n"
    # The other fix has no placeholder: plain edits.
    assert surface.edit.changes[uri(route)]


@pytest.mark.asyncio
async def test_suppression_reason_is_a_snippet_for_rust_analyzer_style_clients(client: LanguageClient, project):
    # rust-analyzer's extension: `experimental.snippetTextEdit`, edits with `insertTextFormat: 2`.
    capabilities = client_capabilities("neovim@v0.7.0")
    capabilities.experimental = {"snippetTextEdit": True}
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            workspace_folders=[types.WorkspaceFolder(uri=uri(project), name="project")],
        )
    )
    route = project / "route.ts"
    open_doc(client, route, ROUTE)
    diagnostics = await next_diagnostics(client, route)
    # The typed client would drop `insertTextFormat` from a `TextEdit`: read the raw answer.
    future = asyncio.get_running_loop().create_future()
    client.protocol._request_futures["raw-actions"] = future
    client.protocol._send_data(
        {
            "jsonrpc": "2.0",
            "id": "raw-actions",
            "method": "textDocument/codeAction",
            "params": {
                "textDocument": {"uri": uri(route)},
                "range": {"start": {"line": 5, "character": 4}, "end": {"line": 5, "character": 4}},
                "context": {"diagnostics": [client.protocol._converter.unstructure(diagnostics[0])]},
            },
        }
    )
    actions = await asyncio.wait_for(future, 10)
    suppress = actions[0]
    suppress = suppress if isinstance(suppress, dict) else client.protocol._converter.unstructure(suppress)
    (change,) = suppress["edit"]["documentChanges"]
    (edit,) = change["edits"]
    assert edit["insertTextFormat"] == 2
    assert edit["newText"] == "  // auditlint-ignore audit-error-swallowed -- ${1:" + TODO_REASON + "}\n"


@pytest.mark.asyncio
async def test_pull_clients_get_pull_diagnostics_only(client: LanguageClient, project):
    result = await initialize(client, project, spec="neovim@v0.10.0")
    assert result.capabilities.diagnostic_provider is not None
    route = project / "route.ts"
    open_doc(client, route, ROUTE)
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri(route)))
    )
    assert [d.code for d in report.items] == ["audit-error-swallowed"]
    # Never both: nothing was pushed.
    await asyncio.sleep(0.3)
    assert client.diagnostics == {}


@pytest.mark.asyncio
async def test_push_clients_are_not_offered_pull(client: LanguageClient, project):
    result = await initialize(client, project)
    assert result.capabilities.diagnostic_provider is None


@pytest.mark.asyncio
async def test_malformed_params_are_invalid_params_and_the_server_lives(client: LanguageClient, project):
    await initialize(client, project)
    # Bypass the client's own type checks: write the malformed request on the wire.
    future = asyncio.get_running_loop().create_future()
    client.protocol._request_futures["malformed-1"] = future
    client.protocol._send_data(
        {"jsonrpc": "2.0", "id": "malformed-1", "method": "textDocument/codeAction", "params": {"bogus": True}}
    )
    with pytest.raises(JsonRpcInvalidParams):
        await asyncio.wait_for(future, 10)
    route = project / "route.ts"
    open_doc(client, route, ROUTE)
    assert len(await next_diagnostics(client, route)) == 1


@pytest.mark.asyncio
async def test_disk_changes_to_other_files_and_config_are_picked_up(client: LanguageClient, project):
    await initialize(client, project)
    route = project / "route.ts"
    open_doc(client, route, ROUTE)
    assert len(await next_diagnostics(client, route)) == 1
    # The helper stops writing audit rows: the route's catch no longer matters.
    helper = project / "audit.ts"
    helper.write_text(helper.read_text().replace("staff_audit_logs", "menu_items"))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=uri(helper), type=types.FileChangeType.Changed)])
    )
    assert await next_diagnostics(client, route) == []
    # A configuration that makes `menu_items` an audit table brings the finding back.
    config = project / "auditlint.toml"
    config.write_text('[sinks]\nextend-tables = ["menu_*"]\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=uri(config), type=types.FileChangeType.Changed)])
    )
    assert len(await next_diagnostics(client, route)) == 1


@pytest.mark.asyncio
async def test_utf16_columns(client: LanguageClient, project):
    await initialize(client, project)
    route = project / "route.ts"
    text = ROUTE.replace("  } catch (err) {}", "  /*😀*/ } catch (err) {}")
    open_doc(client, route, text)
    (d,) = await next_diagnostics(client, route)
    # `/*😀*/ ` is 7 UTF-16 units (the emoji is a surrogate pair) after 2 spaces, then `} `.
    assert d.range.start.character == 2 + 7 + 2


@pytest.mark.asyncio
async def test_a_panicking_request_is_an_error_response_and_the_server_lives(panicky_client: LanguageClient, project):
    client = panicky_client
    await initialize(client, project)
    route = project / "route.ts"
    open_doc(client, route, ROUTE)
    diagnostics = await next_diagnostics(client, route)
    with pytest.raises(JsonRpcInternalError):
        await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri(route)),
                range=diagnostics[0].range,
                context=types.CodeActionContext(diagnostics=list(diagnostics)),
            )
        )
    change_doc(client, route, ROUTE_FIXED, version=2)
    assert await next_diagnostics(client, route) == []


@pytest.mark.asyncio
async def test_problems_outside_findings_are_said_not_swallowed(bad_today_client: LanguageClient, project):
    client = bad_today_client
    # An invalid manifest: the project loads, and the log says what could not be read.
    (project / "package.json").write_text("{ not json")
    await initialize(client, project)
    route = project / "route.ts"
    open_doc(client, route, ROUTE)
    diagnostics = await next_diagnostics(client, route)
    # The finding is there, and so is the invalid date, on the document itself.
    assert [d.code for d in diagnostics if d.code] == ["audit-error-swallowed"]
    assert any("AUDITLINT_TODAY" in d.message for d in diagnostics), diagnostics
    assert any("package.json" in m.message and "invalid JSON" in m.message for m in client.log_messages), [
        m.message for m in client.log_messages
    ]


RUST_AUDIT = """\
pub async fn write_audit(pool: &PgPool, user: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("INSERT INTO staff_audit_logs (user_id) VALUES ($1)", user).execute(pool).await?;
    Ok(())
}
"""

RUST_ROUTE = """\
use crate::audit::write_audit;

pub async fn purge(pool: &PgPool, user: &str) -> StatusCode {
    let _ = write_audit(pool, user).await;
    StatusCode::OK
}
"""


@pytest.mark.asyncio
async def test_rust_documents_are_checked_across_files_and_edits(client: LanguageClient, project):
    src = project / "src"
    src.mkdir()
    (src / "lib.rs").write_text("mod audit;\nmod route;\n")
    (src / "audit.rs").write_text(RUST_AUDIT)
    route = src / "route.rs"
    route.write_text(RUST_ROUTE)
    await initialize(client, project)
    open_doc(client, route, RUST_ROUTE)
    diagnostics = await next_diagnostics(client, route)
    assert [(d.code, d.range.start.line, d.range.start.character) for d in diagnostics] == [
        ("audit-error-swallowed", 3, 4)
    ], diagnostics
    assert "`staff_audit_logs`" in diagnostics[0].message
    assert uri(src / "audit.rs") in {r.location.uri for r in diagnostics[0].related_information}
    # Every edit is parsed afresh on its own thread: many in a row stay correct.
    fixed = RUST_ROUTE.replace("let _ = write_audit(pool, user).await;", "write_audit(pool, user).await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;")
    for version in range(2, 12, 2):
        change_doc(client, route, fixed, version=version)
        assert await next_diagnostics(client, route) == []
        change_doc(client, route, RUST_ROUTE, version=version + 1)
        assert len(await next_diagnostics(client, route)) == 1
    # A syntax error mid-edit is said, not a crash; the server lives on.
    change_doc(client, route, RUST_ROUTE.replace("StatusCode::OK", "StatusCode::OK +"), version=20)
    await next_diagnostics(client, route)
    change_doc(client, route, RUST_ROUTE, version=21)
    assert len(await next_diagnostics(client, route)) == 1


@pytest.mark.asyncio
async def test_rust_surface_the_failure_rewrites_let_underscore_with_tracing(client: LanguageClient, project):
    src = project / "src"
    src.mkdir()
    (src / "lib.rs").write_text("mod audit;\nmod route;\n")
    (src / "audit.rs").write_text(RUST_AUDIT)
    route = src / "route.rs"
    text = RUST_ROUTE.replace("    let _ =", '    tracing::info!("purging");\n    let _ =')
    route.write_text(text)
    await initialize(client, project)
    open_doc(client, route, text)
    diagnostics = await next_diagnostics(client, route)
    assert [d.code for d in diagnostics] == ["audit-error-swallowed"]
    suppress, surface = await code_actions(client, route, diagnostics)
    assert surface.title == "Surface the failure: log it with `tracing::warn!` (changes behaviour)"
    fixed = apply_edits(text, surface.edit.changes[uri(route)])
    assert fixed == text.replace(
        "    let _ = write_audit(pool, user).await;",
        '    if let Err(e) = write_audit(pool, user).await {\n        tracing::warn!(error = %e, "staff_audit_logs_insert_failed");\n    }',
    )
    change_doc(client, route, fixed, version=2)
    assert await next_diagnostics(client, route) == []


PY_ROUTE = """import logging

logger = logging.getLogger(__name__)


def purge(cur, user):
    try:
        cur.execute("INSERT INTO staff_audit_logs (user_id) VALUES (%s)", (user,))
    except Exception:
        logger.info("audit insert failed")
"""


@pytest.mark.asyncio
async def test_python_suppression_is_a_hash_comment_and_no_ts_or_rust_fix_is_offered(client: LanguageClient, project):
    await initialize(client, project)
    route = project / "purge.py"
    route.write_text(PY_ROUTE)
    open_doc(client, route, PY_ROUTE)
    diagnostics = await next_diagnostics(client, route)
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("audit-error-swallowed", 8)], diagnostics
    actions = await code_actions(client, route, diagnostics)
    # Only the suppression: the "surface the failure" fixes write TypeScript or Rust.
    assert [a.title for a in actions] == ["Suppress `audit-error-swallowed` on this line (say why in the reason)"]
    (edit,) = actions[0].edit.changes[uri(route)]
    assert edit.new_text == f"    # auditlint-ignore audit-error-swallowed -- {TODO_REASON}\n"
    change_doc(client, route, apply_edits(PY_ROUTE, [edit]), version=2)
    assert await next_diagnostics(client, route) == []


GO_AUDIT = """package audit

import "database/sql"

func Record(db *sql.DB, user string) error {
	_, err := db.Exec(`INSERT INTO staff_audit_logs (user_id) VALUES ($1)`, user)
	return err
}
"""

GO_ROUTE = """package api

import (
	"database/sql"
	"log"

	"example.com/app/audit"
)

func Purge(db *sql.DB, user string) {
	if err := audit.Record(db, user); err != nil {
		log.Printf("audit: %v", err)
	}
}
"""


@pytest.mark.asyncio
async def test_go_documents_resolve_packages_and_get_a_slash_suppression_only(client: LanguageClient, project):
    (project / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    (project / "audit").mkdir()
    (project / "audit" / "audit.go").write_text(GO_AUDIT)
    (project / "api").mkdir()
    route = project / "api" / "purge.go"
    route.write_text(GO_ROUTE)
    await initialize(client, project)
    open_doc(client, route, GO_ROUTE)
    diagnostics = await next_diagnostics(client, route)
    # The write is in another package, found through go.mod's module path.
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("audit-error-swallowed", 10)], diagnostics
    actions = await code_actions(client, route, diagnostics)
    # Only the suppression: the "surface the failure" fixes write TypeScript or Rust.
    assert [a.title for a in actions] == ["Suppress `audit-error-swallowed` on this line (say why in the reason)"]
    (edit,) = actions[0].edit.changes[uri(route)]
    assert edit.new_text == f"\t// auditlint-ignore audit-error-swallowed -- {TODO_REASON}\n"
    change_doc(client, route, apply_edits(GO_ROUTE, [edit]), version=2)
    assert await next_diagnostics(client, route) == []
    # Handling the error at warn level clears it too.
    handled = GO_ROUTE.replace('log.Printf("audit: %v", err)', 'slog.Warn("audit_log_insert_failed", "error", err)').replace('"log"', '"log/slog"')
    change_doc(client, route, handled, version=3)
    assert await next_diagnostics(client, route) == []
