#!/usr/bin/env bash
# Coverage-guided fuzzing of the front ends and the whole engine (libFuzzer, `fuzz/`).
#
#   bench/fuzz.sh MINUTES [TARGET...]      targets: ts rust engine (default: all three)
#
# Builds the targets with nightly (cargo-fuzz, installed under target/ci-tools/cargo if it is
# missing), builds the seed corpora (fuzz/seeds.py: the repository's fixtures, examples, Rust
# sources and tests' inline sources, plus a sample of real code bases on the machine if any),
# then fuzzes at `nice -n 10`, one worker per target, and prints per target: wall time, execs,
# exec/s, corpus size, crashes, timeouts (hangs) and out-of-memory inputs. Exits 1 if any input
# crashed, hung or ran out of memory: its file is named (turn it into a regression fixture under
# tests/fuzz-regressions/, see tests/fuzz_regressions.rs).
#
# Env:
#   FUZZ_CONCURRENT   1: run the targets at the same time, each for MINUTES; otherwise (default)
#                     one after another, MINUTES split between them
#   FUZZ_WORK         where corpora, seeds, artifacts and logs go (default fuzz/; all git-ignored)
#   FUZZ_REAL_CODE    glob of real code bases to take seeds from (default /work/corpora/*; empty:
#                     none). Read at run time only: nothing from them is ever committed
#   FUZZ_MAX_REAL     real files per language to seed with (default 600, each at most 32 KiB)
#   FUZZ_TIMEOUT      seconds one input may take before it counts as a hang (default 10)
#   FUZZ_RSS_MB       memory limit per fuzzing process, MiB (default 2048)
#   FUZZ_MAX_LEN      largest input, bytes (default 131072)
#   FUZZ_SANITIZER    cargo-fuzz --sanitizer (default none; see fuzz/README.md)
set -euo pipefail

usage() { echo "usage: $0 MINUTES [ts|rust|engine ...]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
MINUTES=$1
shift
[[ $MINUTES =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(ts rust engine)
for t in "${TARGETS[@]}"; do
  case $t in ts|rust|engine) ;; *) echo "error: unknown target: $t" >&2; usage ;; esac
done

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
WORK=${FUZZ_WORK:-fuzz}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
TIMEOUT=${FUZZ_TIMEOUT:-10}
RSS_MB=${FUZZ_RSS_MB:-2048}
MAX_LEN=${FUZZ_MAX_LEN:-131072}
SANITIZER=${FUZZ_SANITIZER:-none}
MAX_REAL=${FUZZ_MAX_REAL:-600}
export FUZZ_REAL_CODE=${FUZZ_REAL_CODE-/work/corpora/*}

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "error: fuzzing needs the nightly toolchain (rustup toolchain install nightly)" >&2
  exit 2
fi
TOOLS=$REPO/target/ci-tools/cargo
export PATH=$TOOLS/bin:$PATH
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz under target/ci-tools/cargo" >&2
  nice -n 10 cargo install cargo-fuzz --locked --root "$TOOLS" >&2
fi

echo "fuzz: building ${TARGETS[*]} (nightly, sanitizer $SANITIZER, debug assertions on)" >&2
build_started=$SECONDS
for t in "${TARGETS[@]}"; do
  nice -n 10 cargo +nightly fuzz build --fuzz-dir fuzz --sanitizer "$SANITIZER" -O -a --no-cfg-fuzzing \
    "$t" >&2
done
echo "fuzz: built in $((SECONDS - build_started)) s" >&2
HOST=$(rustc +nightly -vV | sed -n 's/^host: //p')
BIN=$REPO/fuzz/target/$HOST/release

rm -rf "$WORK/seeds"
python3 fuzz/seeds.py "$WORK/seeds" "$MAX_LEN" "$MAX_REAL" >&2
mkdir -p "$WORK/logs" "$WORK/tmp"
cat fuzz/dict/ts.dict fuzz/dict/rust.dict fuzz/dict/engine.dict > "$WORK/tmp/engine.dict"
dict_of() {
  case $1 in
    ts) echo "$REPO/fuzz/dict/ts.dict" ;;
    rust) echo "$REPO/fuzz/dict/rust.dict" ;;
    engine) echo "$WORK/tmp/engine.dict" ;;
  esac
}

if [[ ${FUZZ_CONCURRENT:-0} == 1 ]]; then
  SECONDS_EACH=$(awk -v m="$MINUTES" 'BEGIN { printf "%d", m * 60 }')
else
  SECONDS_EACH=$(awk -v m="$MINUTES" -v n="${#TARGETS[@]}" 'BEGIN { printf "%d", m * 60 / n }')
fi
[[ $SECONDS_EACH -ge 1 ]] || SECONDS_EACH=1

artifacts_of() {
  find "$WORK/artifacts/$1" -maxdepth 1 -type f \
    \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) 2>/dev/null | sort
}

# One target for SECONDS_EACH seconds. libFuzzer stops at the first crash, hang or OOM (having
# saved the input): it is started again for the time left, from the corpus it has grown, so one
# run finds all of them. (Fork mode would go on by itself, but re-runs a share of the corpus at
# every job, which costs most of the time with real files as seeds.)
run_target() {
  local t=$1
  mkdir -p "$WORK/corpus/$t" "$WORK/artifacts/$t"
  artifacts_of "$t" > "$WORK/tmp/$t.before"
  : > "$WORK/logs/$t.log"
  local started=$SECONDS left session quick=0 rc kept
  while left=$((SECONDS_EACH - (SECONDS - started))); [[ $left -ge 5 ]]; do
    # An input that fails while the corpus is loaded would fail every session at once.
    if [[ $quick -ge 3 ]]; then
      echo "fuzz: $t: three sessions in a row ended within 30 s; stopping" | tee -a "$WORK/logs/$t.log" >&2
      break
    fi
    session=$SECONDS
    rm -rf "$WORK/tmp/$t-projects"
    mkdir -p "$WORK/tmp/$t-projects"
    echo "fuzz: $t: starting for ${left} s" >> "$WORK/logs/$t.log"
    rm -f "$WORK/tmp/$t.current"
    rc=0
    env -u AUDITLINT_INJECT_PANIC -u AUDITLINT_TRACE AUDITLINT_FUZZ_TMP="$WORK/tmp/$t-projects" \
      AUDITLINT_FUZZ_CURRENT="$WORK/tmp/$t.current" \
      nice -n 10 "$BIN/$t" "$WORK/corpus/$t" "$WORK/seeds/$t" \
      -max_total_time="$left" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" \
      -max_len="$MAX_LEN" -dict="$(dict_of "$t")" -report_slow_units=1000000 \
      -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$t/" >> "$WORK/logs/$t.log" 2>&1 \
      || rc=$?
    # Killed by a signal that libFuzzer could not report (a stack overflow, the OOM killer): the
    # input it was running is kept as a crash all the same.
    if [[ $rc -gt 128 && -f $WORK/tmp/$t.current ]]; then
      kept=$WORK/artifacts/$t/crash-signal$((rc - 128))-$(sha1sum < "$WORK/tmp/$t.current" | cut -c1-40)
      cp "$WORK/tmp/$t.current" "$kept"
      echo "fuzz: $t: killed by signal $((rc - 128)) without a report; its input is $kept" \
        | tee -a "$WORK/logs/$t.log" >&2
    fi
    if [[ $((SECONDS - session)) -lt 30 && $((SECONDS_EACH - (SECONDS - started))) -ge 5 ]]; then
      quick=$((quick + 1))
    else
      quick=0
    fi
  done
  echo $((SECONDS - started)) > "$WORK/tmp/$t.wall"
  rm -rf "$WORK/tmp/$t-projects"
}

echo "fuzz: ${TARGETS[*]}, $SECONDS_EACH s each$([[ ${FUZZ_CONCURRENT:-0} == 1 ]] && echo ', concurrently'); logs in $WORK/logs" >&2
if [[ ${FUZZ_CONCURRENT:-0} == 1 ]]; then
  pids=()
  for t in "${TARGETS[@]}"; do run_target "$t" & pids+=($!); done
  wait "${pids[@]}"
else
  for t in "${TARGETS[@]}"; do run_target "$t"; done
fi

status=0
printf '%-7s %8s %12s %8s %8s %8s %9s %6s %9s\n' target wall_s execs exec/s corpus crashes timeouts ooms sessions
for t in "${TARGETS[@]}"; do
  log=$WORK/logs/$t.log
  wall=$(cat "$WORK/tmp/$t.wall")
  # Each libFuzzer session ends with `stat::number_of_executed_units: N` (also after a crash,
  # hang or OOM); the artifacts it saved are the crashes, hangs and OOMs.
  # (Should a session end without them, its last `#N` status line counts.)
  execs=$(awk '
    function close_session() { total += (stat != "" ? stat : last); stat = ""; last = 0 }
    /^fuzz: .*: starting/ { close_session() }
    /^#[0-9]+/ { n = substr($1, 2); if (n + 0 > last) last = n + 0 }
    /^stat::number_of_executed_units:/ { stat = $2 + 0 }
    END { close_session(); print total + 0 }' "$log")
  sessions=$(grep -c '^fuzz: .*: starting' "$log" || true)
  artifacts_of "$t" > "$WORK/tmp/$t.after"
  new=$(comm -13 "$WORK/tmp/$t.before" "$WORK/tmp/$t.after")
  crashes=$(grep -c '/crash-' <<<"$new" || true)
  timeouts=$(grep -c '/timeout-' <<<"$new" || true)
  ooms=$(grep -cE '/(oom|leak)-' <<<"$new" || true)
  corpus=$(find "$WORK/corpus/$t" -type f | wc -l)
  rate=$(awk -v e="$execs" -v s="$wall" 'BEGIN { printf "%d", (s > 0 ? e / s : 0) }')
  printf '%-7s %8s %12s %8s %8s %8s %9s %6s %9s\n' "$t" "$wall" "$execs" "$rate" "$corpus" \
    "$crashes" "$timeouts" "$ooms" "$sessions"
  if ! grep -q '^stat::number_of_executed_units:' "$log"; then
    echo "  $t: libFuzzer printed no final statistics; see $log" >&2
    status=1
  fi
  if [[ -n $new ]]; then
    status=1
    [[ -n $new ]] && sed 's/^/  new artifact: /' <<<"$new" >&2
  fi
done
exit $status
