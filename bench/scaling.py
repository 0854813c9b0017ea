#!/usr/bin/env python3
"""Scaling benchmark for shapes that were once quadratic (issue 14): prints the time of one
`auditlint check` per size, so anyone can see whether it grows linearly. Not a timed test.

    python3 bench/scaling.py [AUDITLINT_BIN]

Shape: N swallowed audit writes in one function, each under its own inline suppression
(suppression matching used to cost N x N).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "auditlint")


def suppressed_swallows(n: int) -> str:
    body = []
    for i in range(n):
        body.append(
            f"  try {{ await db.prepare(\"INSERT INTO audit_logs (i) VALUES ({i})\").run(); }}\n"
            f"  // auditlint-ignore audit-error-swallowed -- replayed nightly by the audit job\n"
            f"  catch {{}}\n")
    return "export async function many(db: D1Database) {\n" + "".join(body) + "}\n"


def main() -> int:
    print(f"{'shape':28} {'n':>6} {'bytes':>9} {'seconds':>8} {'suppressed':>10}")
    for n in (1000, 2000, 4000, 8000):
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "auditlint.toml"), "w").close()
            text = suppressed_swallows(n)
            with open(os.path.join(d, "many.ts"), "w") as f:
                f.write(text)
            start = time.perf_counter()
            run = subprocess.run([BIN, "check", "--no-cache", "--format", "json",
                                  "--fail-on", "never", d], capture_output=True)
            took = time.perf_counter() - start
            if run.returncode not in (0, 2):
                print(run.stderr.decode(), file=sys.stderr)
                return 1
            suppressed = json.loads(run.stdout)["summary"]["suppressed"]
            print(f"{'suppressed swallows':28} {n:>6} {len(text):>9} {took:>8.2f} {suppressed:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
