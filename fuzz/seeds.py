#!/usr/bin/env python3
"""Builds the fuzz targets' seed corpora under fuzz/seeds/<target>/ (git-ignored, rebuilt on
every run by bench/fuzz.sh), from:

- the repository's own inputs: fixtures/, examples/, the Rust sources of crates/ (real Rust
  code), and the source texts written inline in the tests (string literals of tests/*.rs and of
  the crates' test modules);
- real code bases on this machine, if any: a sample of the TS/JS and Rust files under the
  directories named in $FUZZ_REAL_CODE (default /work/corpora/*), preferring those that mention
  an INSERT or an audit. These are read at run time only, never copied into the repository.

Usage: seeds.py OUT_DIR MAX_LEN MAX_REAL_FILES
"""

import glob
import hashlib
import os
import random
import re
import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)  # unicode_escape on `\d` and the like

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TS_EXT = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
RS_EXT = (".rs",)
SEPARATOR = b"\x1e"  # auditlint_fuzz::PART_SEPARATOR


def files_under(root, exts, skip_dirs=("node_modules", "target", ".git", "fuzz")):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs)
        for name in sorted(filenames):
            if name.endswith(exts):
                yield os.path.join(dirpath, name)


def read(path, max_len):
    try:
        if os.path.islink(path) or not os.path.isfile(path):
            return None
        if os.path.getsize(path) > max_len:
            return None
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


RAW = re.compile(rb'r(#*)"(.*?)"\1', re.S)
PLAIN = re.compile(rb'"((?:[^"\\]|\\.)*)"', re.S)


def unescape(body):
    try:
        return body.decode("utf-8").encode("latin-1", "backslashreplace").decode(
            "unicode_escape").encode("utf-8", "surrogatepass")
    except (UnicodeError, ValueError):
        return None


def inline_sources(path):
    """String literals of a Rust test file that look like source code."""
    with open(path, "rb") as f:
        text = f.read()
    found = []
    for m in RAW.finditer(text):
        found.append(m.group(2))
    for m in PLAIN.finditer(RAW.sub(b"", text)):
        body = unescape(m.group(1).replace(b"\\\n", b""))
        if body is not None:
            found.append(body)
    code = re.compile(rb"[;{}]|=>|\bfn\b|\bconst\b|\bimport\b")
    return [s for s in found if len(s) >= 12 and code.search(s)]


def write(out, target, data):
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(out, target, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)


def main():
    out, max_len, max_real = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for target in ("ts", "rust", "engine"):
        os.makedirs(os.path.join(out, target), exist_ok=True)
    repo_ts, repo_rs, tomls, pairs = [], [], [], []
    for top in ("fixtures", "examples", "tests"):
        root = os.path.join(REPO, top)
        repo_ts += [p for p in files_under(root, TS_EXT)]
        repo_rs += [p for p in files_under(root, RS_EXT) if top != "tests"]
        tomls += list(files_under(root, (".toml",)))
    repo_rs += list(files_under(os.path.join(REPO, "crates"), RS_EXT))
    # Cross-file fixture cases: folders with two or more sources.
    for root in glob.glob(os.path.join(REPO, "fixtures", "*", "*")) + glob.glob(
            os.path.join(REPO, "examples", "*")):
        if os.path.isdir(root):
            members = list(files_under(root, TS_EXT + RS_EXT))
            for a, b in zip(members, members[1:]):
                pairs.append((a, b))
    inline = []
    for path in glob.glob(os.path.join(REPO, "tests", "*.rs")) + glob.glob(
            os.path.join(REPO, "crates", "*", "src", "**", "*.rs"), recursive=True):
        inline += inline_sources(path)

    ts_seeds = [d for d in (read(p, max_len) for p in repo_ts) if d]
    rs_seeds = [d for d in (read(p, max_len) for p in repo_rs) if d]
    configs = [d for d in (read(p, max_len) for p in tomls) if d is not None]
    for s in inline:
        if len(s) <= max_len:
            ts_seeds.append(s)
            rs_seeds.append(s)

    real_ts, real_rs = [], []
    pattern = os.environ.get("FUZZ_REAL_CODE", "/work/corpora/*")
    roots = sorted(p for p in glob.glob(pattern) if os.path.isdir(p)) if pattern else []
    # Real files are capped smaller than inputs may grow: every seed is run once at start.
    real_max_len = min(max_len, int(os.environ.get("FUZZ_REAL_MAX_LEN", "32768")))
    if roots and max_real > 0:
        rng = random.Random(14)
        for exts, dest in ((TS_EXT, real_ts), (RS_EXT, real_rs)):
            candidates = [p for r in roots for p in files_under(r, exts)]
            rng.shuffle(candidates)
            keen, rest = [], []
            for path in candidates:
                if len(keen) >= max_real:
                    break
                data = read(path, real_max_len)
                if not data or b"\n" not in data[:20000]:
                    continue  # minified or empty: no help
                lowered = data.lower()
                (keen if b"insert" in lowered or b"audit" in lowered else rest).append(data)
            dest += (keen + rest)[:max_real]

    for data in ts_seeds + real_ts:
        write(out, "ts", data)
    for data in rs_seeds + real_rs:
        write(out, "rust", data)
    # engine: SELECTOR FILE1 [0x1E FILE2 [0x1E CONFIG]]; one run of the engine costs tens of
    # milliseconds, so its seeds are the fixtures and examples only (not the inline test
    # sources or the crates' code), a third of them with a lowercase selector.
    fixture_ts = [d for d in (read(p, max_len) for p in repo_ts) if d]
    fixture_rs = [d for p in repo_rs if "/crates/" not in p for d in [read(p, max_len)] if d]
    for i, data in enumerate(fixture_ts):
        write(out, "engine", (b"t" if i % 3 == 0 else b"T") + data)
    for i, data in enumerate(fixture_rs):
        write(out, "engine", (b"r" if i % 3 == 0 else b"R") + data)
    for data in real_ts[: max_real // 6]:
        write(out, "engine", b"T" + data)
    for data in real_rs[: max_real // 6]:
        write(out, "engine", b"R" + data)
    for a, b in pairs:
        da, db = read(a, max_len), read(b, max_len)
        if da is None or db is None:
            continue
        if a.endswith(RS_EXT) and b.endswith(RS_EXT):
            selector = b"R"
        elif a.endswith(RS_EXT) or b.endswith(RS_EXT):
            selector = b"M"
        else:
            selector = b"T"
        write(out, "engine", selector + da + SEPARATOR + db)
    for i, config in enumerate(configs):
        body = ts_seeds[i % len(ts_seeds)] if ts_seeds else b""
        write(out, "engine", b"T" + body + SEPARATOR + SEPARATOR + config)
    for target in ("ts", "rust", "engine"):
        print(f"{target}: {len(os.listdir(os.path.join(out, target)))} seeds")


if __name__ == "__main__":
    main()
