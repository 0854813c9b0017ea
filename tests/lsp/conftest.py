"""Protocol tests of `auditlint lsp` with pytest-lsp: a real client over stdio."""

import os
import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

BIN = os.environ.get("AUDITLINT_BIN") or str(
    pathlib.Path(__file__).resolve().parents[2] / "target" / "debug" / "auditlint"
)

AUDIT_HELPER = """\
export async function recordPurge(db: D1Database, user: string) {
  await db.prepare("INSERT INTO staff_audit_logs (user_id) VALUES (?)").bind(user).run();
}
"""

ROUTE = """\
import { recordPurge } from "./audit";

export async function purge(db: D1Database, user: string) {
  try {
    await recordPurge(db, user);
  } catch (err) {}
  return new Response("ok");
}
"""

ROUTE_FIXED = ROUTE.replace("catch (err) {}", "catch (err) {\n    console.warn(JSON.stringify({ event: \"audit_log_insert_failed\", err }));\n  }")


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / "auditlint.toml").write_text("")
    (tmp_path / "audit.ts").write_text(AUDIT_HELPER)
    (tmp_path / "route.ts").write_text(ROUTE)
    return tmp_path


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BIN, "lsp"]))
async def client(lsp_client: LanguageClient):
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[BIN, "lsp"],
        server_env={**os.environ, "AUDITLINT_INJECT_PANIC": "textDocument/codeAction"},
    )
)
async def panicky_client(lsp_client: LanguageClient):
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[BIN, "lsp"],
        server_env={**os.environ, "AUDITLINT_TODAY": "not-a-date"},
    )
)
async def bad_today_client(lsp_client: LanguageClient):
    yield lsp_client
    await lsp_client.shutdown_session()
