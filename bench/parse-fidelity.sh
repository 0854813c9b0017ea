#!/usr/bin/env bash
# Parser fidelity: does auditlint call valid code a syntax error?
#
#   bench/parse-fidelity.sh TREE...
#
# Parses every .ts/.tsx/.mts/.cts/.js/.jsx/.mjs/.cjs/.rs file of the trees with auditlint's
# front ends (`auditlint debug-parse`: no project, no prefilter; generated code is recognised
# and skipped as in a real run) and compares with an oracle: TypeScript's own parser for
# TypeScript and JavaScript (`bench/parse-fidelity.mjs`); for Rust syn is the reference, and the
# files it rejects are listed apart. Prints the counts, the valid files auditlint rejects (with
# the first error) and the reverse. Exit code 1 when a valid file is rejected.
#
# Env:
#   AUDITLINT_BIN   use this binary instead of `cargo build --release` (target/release/auditlint)
#   TYPESCRIPT      the `typescript` package directory or its lib/typescript.js (default: where
#                   .ci/deps installs it, target/ci-tools/typescript/node_modules/typescript)
#   PARSE_GENERATED=1  parse generated and minified code too (to measure what skipping spares)
set -euo pipefail

[[ $# -ge 1 ]] || { echo "usage: $0 TREE..." >&2; exit 2; }
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TYPESCRIPT=${TYPESCRIPT:-$REPO_ROOT/target/ci-tools/typescript/node_modules/typescript}
[[ -e $TYPESCRIPT ]] || {
  echo "error: no typescript package at $TYPESCRIPT (run bash .ci/deps, or set TYPESCRIPT)" >&2
  exit 2
}
command -v node >/dev/null || { echo "error: node is required for the oracle" >&2; exit 2; }
for tree in "$@"; do
  [[ -e $tree ]] || { echo "error: no such file or directory: $tree" >&2; exit 2; }
done
if [[ -n ${AUDITLINT_BIN:-} ]]; then
  AUDITLINT=$AUDITLINT_BIN
else
  echo "building auditlint (release)..." >&2
  cargo build --release --quiet --manifest-path "$REPO_ROOT/Cargo.toml" --bin auditlint
  AUDITLINT=${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/auditlint
fi
args=()
[[ ${PARSE_GENERATED:-0} == 1 ]] && args+=(--parse-generated)
"$AUDITLINT" debug-parse "${args[@]}" "$@" | node "$REPO_ROOT/bench/parse-fidelity.mjs" "$TYPESCRIPT"
