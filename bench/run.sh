#!/usr/bin/env bash
# Paired wall-time / peak-RSS benchmark of auditlint against peer tools.
#
#   bench/run.sh TREE [RUNS]
#
# Env:
#   BENCH_LANG     ts | rust | go | python | auto (default auto: the language with
#                  the most files in TREE). ts: auditlint, rg, oxlint.
#                  rust: auditlint, rg, ast-grep (oxlint does not lint Rust).
#                  go: auditlint, rg, ast-grep (`_ = $E` over .go files).
#                  python: auditlint, rg, ruff (`check --select S110,BLE001,SIM105`).
#   AUDITLINT_BIN  use this binary instead of `cargo build --release -p auditlint-cli`
#   RG             ripgrep binary (default: rg on PATH)
#   OXLINT         oxlint binary (default: PATH, then $BENCH_TOOLS/node_modules/.bin)
#   AST_GREP       ast-grep binary (default: PATH, then $BENCH_TOOLS/node_modules/.bin)
#   RUFF           ruff binary (default: PATH, then $BENCH_TOOLS/venv/bin/ruff)
#   BENCH_TOOLS    where peer npm tools are installed (default /work/bench-tools)
#   WARMUP         untimed runs of each tool before timing (default 1; warms the page cache)
#
# Nothing is downloaded here; see bench/README.md for installing the peers.
set -euo pipefail

usage() { echo "usage: $0 TREE [RUNS]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
TREE=$(cd "$1" 2>/dev/null && pwd) || { echo "error: no such directory: $1" >&2; exit 2; }
RUNS=${2:-5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "error: RUNS must be a positive integer" >&2; exit 2; }
WARMUP=${WARMUP:-1}
BENCH_TOOLS=${BENCH_TOOLS:-/work/bench-tools}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

TIME_BIN=/usr/bin/time
[[ -x $TIME_BIN ]] || { echo "error: $TIME_BIN missing (apt-get install -y time)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "error: python3 is required for the statistics" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/auditlint-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
RESULTS=$WORK/results.tsv   # tool <TAB> wall_ms <TAB> rss_kib <TAB> exit

# ------------------------------------------------------------- language ---
RG=${RG:-$(command -v rg || true)}
TS_EXTS=(ts tsx mts cts js jsx mjs cjs)
RS_EXTS=(rs)
GO_EXTS=(go)
PY_EXTS=(py pyi)

# count_files EXT... : files with these extensions under TREE, as rg sees them
# (.gitignore honoured). Without rg, a plain find (ignores nothing).
count_files() {
  if [[ -n $RG && -x $RG ]]; then
    local glob
    if [[ $# -eq 1 ]]; then glob="*.$1"; else glob="*.{$(IFS=,; echo "$*")}"; fi
    (cd "$TREE" && { "$RG" --files -g "$glob" 2>/dev/null || true; }) | wc -l
  else
    local args=() ext
    for ext in "$@"; do args+=(-o -name "*.$ext"); done
    { find "$TREE" -type f \( "${args[@]:1}" \) 2>/dev/null || true; } | wc -l
  fi
}

BENCH_LANG=${BENCH_LANG:-auto}
case $BENCH_LANG in
  auto)
    n_rs=$(count_files "${RS_EXTS[@]}") n_ts=$(count_files "${TS_EXTS[@]}")
    n_go=$(count_files "${GO_EXTS[@]}") n_py=$(count_files "${PY_EXTS[@]}")
    if ((n_go > n_rs && n_go > n_ts && n_go >= n_py)); then BENCH_LANG=go
    elif ((n_py > n_rs && n_py > n_ts)); then BENCH_LANG=python
    elif ((n_rs > n_ts)); then BENCH_LANG=rust; else BENCH_LANG=ts; fi ;;
  ts | rust | go | python) ;;
  *) echo "error: BENCH_LANG must be ts, rust, go, python or auto (got: $BENCH_LANG)" >&2; exit 2 ;;
esac
if [[ $BENCH_LANG == rust ]]; then
  EXTS=("${RS_EXTS[@]}"); GLOB='*.rs'; LANG_NAME=.rs
elif [[ $BENCH_LANG == go ]]; then
  EXTS=("${GO_EXTS[@]}"); GLOB='*.go'; LANG_NAME=.go
elif [[ $BENCH_LANG == python ]]; then
  EXTS=("${PY_EXTS[@]}"); GLOB='*.{py,pyi}'; LANG_NAME=.py
else
  EXTS=("${TS_EXTS[@]}"); GLOB='*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'; LANG_NAME=ts/js
fi

# ---------------------------------------------------------------- tools ---
# Each tool is a function `cmd_NAME` that prints nothing and fills the array
# CMD with the command line, plus an entry in TOOLS. `ok_NAME EXIT` decides
# whether an exit code is acceptable (default: 0 only).

TOOLS=()

# auditlint
if [[ -n ${AUDITLINT_BIN:-} ]]; then
  AUDITLINT=$AUDITLINT_BIN
else
  echo "building auditlint (release)..." >&2
  (cd "$REPO_ROOT" && cargo build --release -p auditlint-cli) >&2
  AUDITLINT=${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/auditlint
fi
[[ -x $AUDITLINT ]] || { echo "error: auditlint binary not executable: $AUDITLINT" >&2; exit 2; }
# Cold: no facts cache. Cached: the same with a cache directory of its own, filled by the warm-up
# run (so every timed run is a second run over unchanged code).
# In go mode the peer reads only .go files (`-l go`); a mixed tree's scripts and Rust files are
# excluded from auditlint's run too, so both check the same files.
LANG_ONLY=()
if [[ $BENCH_LANG == go ]]; then
  for ext in "${TS_EXTS[@]}" "${RS_EXTS[@]}"; do LANG_ONLY+=(--exclude "**/*.$ext"); done
fi
cmd_auditlint() { CMD=("$AUDITLINT" check --format json --fail-on never --no-cache "${LANG_ONLY[@]}" "$TREE"); }
# 2 = some file could not be checked (rust-analyzer ships binary fuzz inputs named *.rs);
# the report's `errors` say which. Findings never fail the run here (--fail-on never).
ok_auditlint() { [[ $1 -eq 0 || $1 -eq 2 ]]; }
TOOLS+=(auditlint)
cmd_cached() { CMD=("$AUDITLINT" check --format json --fail-on never --cache-dir "$WORK/facts-cache" "${LANG_ONLY[@]}" "$TREE"); }
ok_cached() { ok_auditlint "$1"; }
TOOLS+=(cached)
[[ $WARMUP -ge 1 ]] || echo "warning: WARMUP=0: the first timed cached run fills the cache" >&2

# ripgrep: the floor — read every candidate file once, one regex, no parsing.
if [[ -n $RG && -x $RG ]]; then
  cmd_rg() { CMD=("$RG" -c 'INSERT INTO|audit' -g "$GLOB" "$TREE"); }
  ok_rg() { [[ $1 -eq 0 || $1 -eq 1 ]]; }   # 1 = no match
  TOOLS+=(rg)
else
  echo "warning: ripgrep not found (apt-get install -y ripgrep); skipping rg" >&2
fi

# oxlint (ts mode only): a Rust linter that parses every file; one cheap rule.
# --ignore-path=/dev/null: oxlint otherwise honours TREE's own .eslintignore
# (medusa's leaves only 2,195 of ~7,400 files), so it would lint a different,
# smaller set than rg and auditlint. .gitignore is still honoured.
if [[ $BENCH_LANG == ts ]]; then
  OXLINT=${OXLINT:-$(command -v oxlint || true)}
  [[ -z $OXLINT && -x $BENCH_TOOLS/node_modules/.bin/oxlint ]] && OXLINT=$BENCH_TOOLS/node_modules/.bin/oxlint
  if [[ -n $OXLINT && -x $OXLINT ]]; then
    cmd_oxlint() { CMD=("$OXLINT" -A all -D no-empty --ignore-path=/dev/null "$TREE"); }
    ok_oxlint() { true; }                      # findings give a non-zero exit
    TOOLS+=(oxlint)
    # oxlint 1.x is a Node script around a native addon: the same command on a one-file tree
    # times its start-up, so the report can tell Node's share of its time from its linting.
    mkdir -p "$WORK/oxstart" && echo 'export const a = 1;' >"$WORK/oxstart/a.ts"
    cmd_oxstart() { CMD=("$OXLINT" -A all -D no-empty --ignore-path=/dev/null "$WORK/oxstart"); }
    ok_oxstart() { true; }
    TOOLS+=(oxstart)
  else
    echo "warning: oxlint not found; to include it run:" >&2
    echo "  npm install --prefix \"$BENCH_TOOLS\" oxlint @ast-grep/cli" >&2
  fi
fi

# ast-grep (rust mode only): parses every .rs file with tree-sitter and runs one
# structural rule, `let _ = $E;`. `scan` takes the rule inline (no sgconfig.yml);
# inside $'...' the `$E` is literal. --json=stream prints one match per line, so
# the report can count them. It exits 0 unless a rule of severity error matches;
# this rule has the default severity (hint), so anything else is a failure.
AST_GREP_RULE=$'id: let-underscore\nlanguage: Rust\nrule:\n  pattern: let _ = $E;'
if [[ $BENCH_LANG == rust ]]; then
  AST_GREP=${AST_GREP:-$(command -v ast-grep || true)}
  [[ -z $AST_GREP && -x $BENCH_TOOLS/node_modules/.bin/ast-grep ]] && AST_GREP=$BENCH_TOOLS/node_modules/.bin/ast-grep
  if [[ -n $AST_GREP && -x $AST_GREP ]]; then
    cmd_astgrep() { CMD=("$AST_GREP" scan --inline-rules "$AST_GREP_RULE" --json=stream "$TREE"); }
    ok_astgrep() { [[ $1 -eq 0 ]]; }
    TOOLS+=(astgrep)
  else
    echo "warning: ast-grep not found; to include it run:" >&2
    echo "  npm install --prefix \"$BENCH_TOOLS\" @ast-grep/cli" >&2
  fi
fi

# ast-grep (go mode): parses every .go file with tree-sitter and runs one pattern, `_ = $E`
# (a discarded value, errcheck's most common shape). `run` exits 0 with matches, 1 without.
if [[ $BENCH_LANG == go ]]; then
  AST_GREP=${AST_GREP:-$(command -v ast-grep || true)}
  [[ -z $AST_GREP && -x $BENCH_TOOLS/node_modules/.bin/ast-grep ]] && AST_GREP=$BENCH_TOOLS/node_modules/.bin/ast-grep
  if [[ -n $AST_GREP && -x $AST_GREP ]]; then
    cmd_astgrep() { CMD=("$AST_GREP" run -p '_ = $E' -l go --json=stream "$TREE"); }
    ok_astgrep() { [[ $1 -eq 0 || $1 -eq 1 ]]; }
    TOOLS+=(astgrep)
  else
    echo "warning: ast-grep not found; to include it run:" >&2
    echo "  npm install --prefix \"$BENCH_TOOLS\" @ast-grep/cli" >&2
  fi
fi

# ruff (python mode only): parses every .py file and runs the three rules closest to ours —
# try-except-pass (S110), blind except (BLE001), use contextlib.suppress (SIM105). --isolated:
# the tree's own ruff configuration is not read; --no-cache: every run is cold, as auditlint's;
# --exit-zero: findings are not a failure.
if [[ $BENCH_LANG == python ]]; then
  RUFF=${RUFF:-$(command -v ruff || true)}
  [[ -z $RUFF && -x $BENCH_TOOLS/venv/bin/ruff ]] && RUFF=$BENCH_TOOLS/venv/bin/ruff
  if [[ -n $RUFF && -x $RUFF ]]; then
    cmd_ruff() { CMD=("$RUFF" check --isolated --no-cache --exit-zero --select S110,BLE001,SIM105 --output-format json "$TREE"); }
    ok_ruff() { [[ $1 -eq 0 ]]; }
    TOOLS+=(ruff)
  else
    echo "warning: ruff not found; to include it run:" >&2
    echo "  python3 -m venv \"$BENCH_TOOLS/venv\" && \"$BENCH_TOOLS/venv/bin/pip\" install ruff" >&2
  fi
fi

# ------------------------------------------------------------- running ---
# Output goes to a file, never /dev/null: ripgrep (like GNU grep) stops at the
# first match when stdout is /dev/null, which would make it look faster.
run_one() {  # run_one TOOL RECORD(0|1)
  local tool=$1 record=$2 t0 t1 rc=0
  "cmd_$tool"
  t0=$EPOCHREALTIME
  "$TIME_BIN" -f '%M' -o "$WORK/$tool.rss" "${CMD[@]}" >"$WORK/$tool.out" 2>"$WORK/$tool.err" || rc=$?
  t1=$EPOCHREALTIME
  if ! "ok_$tool" "$rc"; then
    echo "error: $tool exited $rc; command: ${CMD[*]}" >&2
    tail -n 20 "$WORK/$tool.err" >&2
    exit 1
  fi
  if [[ $record == 1 ]]; then
    # /usr/bin/time prints "Command exited with non-zero status N" before %M.
    printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$t0" "$t1" "$(tail -n 1 "$WORK/$tool.rss")" "$rc" >>"$RESULTS"
  fi
}

nfiles=$(count_files "${EXTS[@]}")
counter="find"; [[ -n $RG && -x $RG ]] && counter="rg"
echo "tree: $TREE  ($nfiles $LANG_NAME files visible to $counter)  lang: $BENCH_LANG  runs: $RUNS paired, warmup: $WARMUP"
echo "tools: ${TOOLS[*]}"
for tool in "${TOOLS[@]}"; do
  "cmd_$tool"; printf '  %-10s %s\n' "$tool" "$("${CMD[0]}" --version 2>/dev/null | head -n 1 || true)"
done
for tool in "${TOOLS[@]}"; do
  for ((w = 0; w < WARMUP; w++)); do run_one "$tool" 0; done
done
for ((i = 1; i <= RUNS; i++)); do
  for tool in "${TOOLS[@]}"; do run_one "$tool" 1; done   # alternate tools each round
  printf '.' >&2
done
echo >&2

# ---------------------------------------------------------------- report ---
python3 - "$RESULTS" "$WORK" "$BENCH_LANG" "$nfiles" "${TOOLS[@]}" <<'PY'
import json, os, statistics, sys
results, work, lang, nfiles, tools = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
al_out = os.path.join(work, "auditlint.out")
wall, rss = {t: [] for t in tools}, {t: [] for t in tools}
for line in open(results):
    tool, t0, t1, kib, _rc = line.rstrip("\n").split("\t")
    wall[tool].append((float(t1) - float(t0)) * 1000.0)
    rss[tool].append(int(kib) / 1024.0)

med = {t: statistics.median(wall[t]) for t in tools}
print(f"{'tool':<10} {'median ms':>10} {'min ms':>9} {'max ms':>9} {'peak RSS MiB':>13}")
for t in tools:
    print(f"{t:<10} {med[t]:>10.1f} {min(wall[t]):>9.1f} {max(wall[t]):>9.1f} {max(rss[t]):>13.1f}")

try:
    s = json.load(open(al_out))["summary"]
    print(f"auditlint: files_scanned={s.get('files_scanned')} files_parsed={s.get('files_parsed')} "
          f"findings={s.get('findings')} elapsed_ms={s.get('elapsed_ms')} (self-reported, last run)")
    seen = sum(s.get(k) or 0 for k in ("files_scanned", "skipped_tests", "skipped_generated"))
    if lang == "python" and (s.get("files_scanned") or 0) < nfiles:
        print(f"warning: auditlint scanned {s.get('files_scanned')} files but rg sees {nfiles} python files "
              f"(test files are counted in skipped_tests={s.get('skipped_tests')}); "
              f"the ratios below may not measure python checking")
    if lang in ("rust", "go") and seen < nfiles:
        print(f"warning: auditlint scanned {s.get('files_scanned')} files but rg sees {nfiles} .{'rs' if lang == 'rust' else 'go'} files; "
              f"the ratios below do not measure {'Rust' if lang == 'rust' else 'Go'} checking")
except Exception as e:  # keep the timings even if the JSON is off
    print(f"auditlint: could not read summary from JSON output: {e}")

if "astgrep" in tools:
    with open(os.path.join(work, "astgrep.out")) as f:
        pattern = "_ = $E" if lang == "go" else "let _ = $E;"
        print(f"ast-grep: {sum(1 for line in f if line.strip())} matches of `{pattern}` (last run)")

if "ruff" in tools:
    try:
        print(f"ruff: {len(json.load(open(os.path.join(work, 'ruff.out'))))} diagnostics of S110/BLE001/SIM105 (last run)")
    except Exception as e:
        print(f"ruff: could not read its JSON output: {e}")

# The rg/oxlint targets are the TypeScript ones; on Rust and Go the target is against
# ast-grep, on Python against ruff.
targets = {"rg": 3.0, "oxlint": 1.0} if lang == "ts" else {"ruff": 1.0} if lang == "python" else {}
if lang in ("rust", "go", "python") and med.get("rg", 0) > 0:
    print(f"auditlint/rg: {med['auditlint'] / med['rg']:.2f}x  (for scale: rg only reads)")
for peer, limit in targets.items():
    if peer in med and med[peer] > 0:
        r = med["auditlint"] / med[peer]
        verdict = "ok" if r <= limit else "OVER"
        print(f"auditlint/{peer}: {r:.2f}x  (target <= {limit:g}x: {verdict})")
if "cached" in med and med.get("rg", 0) > 0:
    r = med["cached"] / med["rg"]
    print(f"cached/rg: {r:.2f}x  (target <= 2x: {'ok' if r <= 2 else 'OVER'})")
    try:
        cold = json.load(open(al_out)); warm = json.load(open(os.path.join(work, "cached.out")))
        for report in (cold, warm):
            report["summary"].pop("elapsed_ms", None)
        print(f"cached output identical to cold: {'yes' if cold == warm else 'NO'}")
    except Exception as e:
        print(f"cached: could not compare outputs: {e}")
peak = max(max(rss["auditlint"]), max(rss.get("cached") or [0]))
print(f"auditlint peak RSS: {peak:.1f} MiB  (target < 100 MiB: {'ok' if peak < 100 else 'OVER'})")
if "oxstart" in med and "oxlint" in med:
    print(f"oxlint start-up (one-file tree): {med['oxstart']:.1f} ms, so its work on this tree is about "
          f"{med['oxlint'] - med['oxstart']:.0f} ms (information only: the target is against oxlint as run)")
if "astgrep" in med and med["astgrep"] > 0:
    r = med["auditlint"] / med["astgrep"]
    limit = 1.0 if lang == "go" else 0.25
    print(f"auditlint/astgrep: {r:.2f}x  (target <= {limit:g}x: {'ok' if r <= limit else 'OVER'})")
PY
