#!/usr/bin/env bash
# run.sh [--check] MIRRORS_DIR [AUDITLINT_BIN]
#
# Runs auditlint on every repository listed in bench/corpus/verdicts.toml and scores the
# findings against the verdicts (see bench/corpus/README.md).
#
# For a repository `owner/name`, MIRRORS_DIR/owner+name may be
#   - a work tree extracted by extract.sh (its `.corpus-commit` file names the commit),
#   - a git work tree (a clone; HEAD must be the recorded commit),
#   - a bare git directory, or a directory whose `repo/` is one (the `fetch` tool's layout):
#     the recorded commit is extracted into $CORPUS_WORK/owner+name@SHA (default
#     ${TMPDIR:-/tmp}/auditlint-corpus) once and reused.
# AUDITLINT_BIN defaults to target/release/auditlint of this checkout.
# Reports are kept in $CORPUS_OUT (default: a temporary directory, printed).
#
# Exit status: 0 after printing the table; 1 with --check when precision < 0.9, recall < 0.9,
# a finding is unjudged, or an all_handled repository has findings; 2 when a tool fails
# (missing mirror, wrong commit, auditlint crashed or printed no JSON).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
check=()
args=()
for a in "$@"; do
  case $a in
    --check) check=(--check) ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
if [ ${#args[@]} -lt 1 ] || [ ${#args[@]} -gt 2 ]; then
  echo "usage: $0 [--check] MIRRORS_DIR [AUDITLINT_BIN]" >&2
  exit 2
fi
mirrors=$(cd "${args[0]}" 2>/dev/null && pwd) || { echo "run.sh: no directory ${args[0]}" >&2; exit 2; }
bin=${args[1]:-$root/target/release/auditlint}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
[ -x "$bin" ] || { echo "run.sh: no auditlint binary at $bin (cargo build --release)" >&2; exit 2; }
verdicts=$here/verdicts.toml
work=${CORPUS_WORK:-${TMPDIR:-/tmp}/auditlint-corpus}
out=${CORPUS_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/auditlint-corpus-out.XXXXXX")}
mkdir -p "$work" "$out"

list=$(python3 "$here/score.py" list "$verdicts") || exit 2

is_bare() { [ -f "$1/HEAD" ] && [ -d "$1/objects" ]; }

status=0
while IFS=$'\t' read -r name commit; do
  [ -n "$name" ] || continue
  s=${name//\//+}
  d=$mirrors/$s
  rm -f "$out/$s.json" "$out/$s.status"
  tree=
  if [ -f "$d/.corpus-commit" ]; then
    got=$(tr -d '[:space:]' < "$d/.corpus-commit")
    [ "$got" = "$commit" ] && tree=$d || echo "commit mismatch: tree has $got, verdicts want $commit" > "$out/$s.status"
  elif [ -e "$d/.git" ]; then
    got=$(git -C "$d" rev-parse HEAD 2>/dev/null)
    [ "$got" = "$commit" ] && tree=$d || echo "commit mismatch: HEAD is ${got:-?}, verdicts want $commit" > "$out/$s.status"
  elif is_bare "$d" || is_bare "$d/repo"; then
    g=$d; is_bare "$g" || g=$d/repo
    dest=$work/$s@$commit
    if [ ! -f "$dest/.corpus-commit" ]; then
      if ! git --git-dir="$g" cat-file -e "$commit^{commit}" 2>/dev/null; then
        echo "commit $commit not in $g" > "$out/$s.status"
      else
        rm -rf "$dest"
        if "$here/extract.sh" "$g" "$commit" "$dest" 2>"$out/$s.extract.log"; then
          tree=$dest
        else
          echo "extraction failed (see $out/$s.extract.log)" > "$out/$s.status"
        fi
      fi
    else
      tree=$dest
    fi
  else
    echo "no work tree or git directory at $d" > "$out/$s.status"
  fi
  if [ -n "$tree" ]; then
    # auditlint finds the project root itself (nearest auditlint.toml or git root).
    # A repository's `config` (what the project would declare, e.g. its generic audit tables)
    # is passed with --config; without one, the embedded defaults apply.
    cfg=()
    python3 "$here/score.py" config "$verdicts" "$name" > "$out/$s.toml"
    [ -s "$out/$s.toml" ] && cfg=(--config "$out/$s.toml")
    # --no-cache: the cold path (prefilter as files are read, passed-over Rust files held
    # without their text), as the benchmark times it; and nothing is written into the mirrors.
    # The cached path is held to the same report by tests/cache.rs.
    (cd "$tree" && "$bin" check --format json --fail-on never --no-cache "${cfg[@]}" . > "$out/$s.json" 2> "$out/$s.stderr")
    rc=$?
    if [ $rc -gt 2 ] || ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out/$s.json" 2>/dev/null; then
      echo "auditlint exited $rc without a JSON report (see $out/$s.stderr)" > "$out/$s.status"
    else
      echo ok > "$out/$s.status"
    fi
  fi
  st=$(cat "$out/$s.status")
  [ "$st" = ok ] || { echo "run.sh: $name: $st" >&2; status=2; }
done <<< "$list"

echo "auditlint: $("$bin" --version 2>/dev/null || echo "$bin")  reports: $out"
echo
python3 "$here/score.py" score "$verdicts" "$out" "${check[@]}"
rc=$?
[ $status -ne 0 ] && exit 2
exit $rc
