#!/usr/bin/env python3
"""Scaling benchmark for the shapes of issue 14 that were quadratic (or worse): one
`auditlint check` per shape and size (100 KB, 1 MB, 2 MB), printing the time, so anyone can
see whether it grows linearly or is cut off by the parse time limit. Not a timed test.

    python3 bench/scaling.py [AUDITLINT_BIN] [--sizes 100000,1000000,2000000] [--shapes a,b]

Shapes:
  ts-comments-slash   `foo()`, K lines of `// ppp…`, a final `/`: tree-sitter's automatic-
                      semicolon scan re-reads every remaining comment once per comment
                      (quadratic; 40 s at 800 KB before the limit)
  ts-comments-divide  the same in valid code: `const y = foo()`, the comments, `/ 2;`
  ts-quotes           lines of `"` characters (unterminated strings; ~10 µs a byte)
  ts-block-comments   `foo()`, K lines of `/* ppp… */`, a final `/`
  rs-quotes           the `"` lines in a Rust file (syn rejects it: a syntax error)
  rs-parens           Rust lines of 200 nested parentheses (syn at its nesting limit)
  ts-suppressions     N swallowed audit writes in one function, each under its own inline
                      suppression (matching was N x N, issue 14 item 11)

For each run: the bytes, the seconds, the parse time limit for that size (1 s + 3 s per MiB)
and what the run said of the file: `checked`, `time limit` (not checked: parse time limit
exceeded), or the first words of another error.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BIN = os.path.abspath(os.path.join(HERE, "..", "target", "release", "auditlint"))

COMMENT = "// " + "p" * 76 + "\n"
BLOCK = "/* " + "p" * 73 + " */\n"
QUOTES = '"' * 76 + "\n"


def fill(head: str, line: str, tail: str, size: int) -> str:
    return head + line * max(1, (size - len(head) - len(tail)) // len(line)) + tail


def suppressed_swallows(size: int) -> str:
    pair = ("  try {{ await db.prepare(\"INSERT INTO audit_logs (i) VALUES ({i})\").run(); }}\n"
            "  // auditlint-ignore audit-error-swallowed -- replayed nightly by the audit job\n"
            "  catch {{}}\n")
    n = size // len(pair.format(i=100000))
    body = "".join(pair.format(i=i) for i in range(n))
    return "export async function many(db: D1Database) {\n" + body + "}\n"


SHAPES = {
    "ts-comments-slash": ("a.ts", lambda s: fill("const audit = 1;\nfoo()\n", COMMENT, "/", s)),
    "ts-comments-divide": ("a.ts", lambda s: fill("const audit = 1;\nconst y = foo()\n", COMMENT, "/ 2;\n", s)),
    "ts-quotes": ("a.ts", lambda s: fill("const audit = 1;\n", QUOTES, "", s)),
    "ts-block-comments": ("a.ts", lambda s: fill("const audit = 1;\nfoo()\n", BLOCK, "/", s)),
    "rs-quotes": ("a.rs", lambda s: fill("fn audit() {\n", QUOTES, "}\n", s)),
    "rs-parens": ("a.rs", lambda s: fill("fn audit() {\n", "    let _ = " + "(" * 200 + "1" + ")" * 200 + ";\n", "}\n", s)),
    "ts-suppressions": ("many.ts", suppressed_swallows),
}


def limit_seconds(size: int) -> float:
    return 1.0 + 3.0 * size / (1024 * 1024)


def outcome(report: dict, name: str) -> str:
    for error in report.get("errors", []):
        if error["path"] == name:
            message = error["message"]
            if "parse time limit exceeded" in message:
                return "time limit"
            if message.startswith("syntax error"):
                continue  # partially parsed, still checked
            return " ".join(message.split()[:6])
    return "checked"


def main() -> int:
    args = sys.argv[1:]
    sizes = [100_000, 1_000_000, 2_000_000]
    shapes = list(SHAPES)
    binary = DEFAULT_BIN
    while args:
        arg = args.pop(0)
        if arg == "--sizes":
            sizes = [int(s) for s in args.pop(0).split(",")]
        elif arg == "--shapes":
            shapes = args.pop(0).split(",")
        else:
            binary = arg
    print(f"{'shape':20} {'bytes':>9} {'seconds':>8} {'limit s':>8}  outcome")
    for shape in shapes:
        name, make = SHAPES[shape]
        for size in sizes:
            with tempfile.TemporaryDirectory() as d:
                open(os.path.join(d, "auditlint.toml"), "w").close()
                text = make(size)
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
                start = time.perf_counter()
                run = subprocess.run([binary, "check", "--no-cache", "--format", "json",
                                      "--fail-on", "never", "--threads", "1", "."], cwd=d, capture_output=True)
                took = time.perf_counter() - start
                if run.returncode not in (0, 2):
                    print(run.stderr.decode(errors="replace"), file=sys.stderr)
                    return 1
                report = json.loads(run.stdout)
                said = outcome(report, name)
                if shape == "ts-suppressions":
                    said += f", {report['summary']['suppressed']} suppressed"
                print(f"{shape:20} {len(text):>9} {took:>8.2f} {limit_seconds(len(text)):>8.1f}  {said}",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
