#!/usr/bin/env python3
"""Score auditlint's JSON reports against bench/corpus/verdicts.toml.

    score.py list VERDICTS                     one line per repository: name<TAB>commit
    score.py score VERDICTS RESULTS_DIR [--check]

RESULTS_DIR holds, per repository, `<owner+name>.json` (auditlint's `--format json` report)
and optionally `<owner+name>.status` (one line: `ok`, or why the repository was not run).
Python 3.11+, standard library only.
"""
from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

RULES = {
    "audit-error-swallowed",
    "audit-result-unchecked",
    "audit-flag-discarded",
    "audit-write-floating",
}


def die(msg: str) -> "NoReturn":  # noqa: F821
    print(f"score.py: {msg}", file=sys.stderr)
    sys.exit(2)


def load(path: str) -> tuple[list[dict], list[dict]]:
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        die(f"{path}: {exc}")
    repos = doc.get("repo", [])
    verdicts = doc.get("verdict", [])
    names = set()
    for r in repos:
        for key in ("name", "commit", "lang", "all_handled", "note"):
            if key not in r:
                die(f"{path}: repo {r.get('name', '?')} lacks `{key}`")
        if len(r["commit"]) != 40:
            die(f"{path}: repo {r['name']}: commit is not 40 hex digits")
        if r["name"] in names:
            die(f"{path}: repo {r['name']} listed twice")
        names.add(r["name"])
    seen = {}
    for i, v in enumerate(verdicts):
        for key in ("repo", "path", "line", "rule", "reason"):
            if key not in v:
                die(f"{path}: verdict #{i + 1} lacks `{key}`")
        if v["repo"] not in names:
            die(f"{path}: verdict #{i + 1} names unknown repo {v['repo']}")
        if v["rule"] not in RULES:
            die(f"{path}: verdict #{i + 1} has unknown rule {v['rule']}")
        expect = v.get("expect")
        if expect not in (None, "finding"):
            die(f"{path}: verdict #{i + 1}: expect must be \"finding\"")
        if "verdict" not in v and expect is None:
            die(f"{path}: verdict #{i + 1} has neither `verdict` nor `expect`")
        if expect == "finding" and v.get("verdict") is False:
            die(f"{path}: verdict #{i + 1}: an expected finding cannot be judged false")
        key = (v["repo"], v["path"], v["rule"], v["line"])
        if key in seen:
            die(f"{path}: verdict #{i + 1} repeats #{seen[key] + 1} {key}")
        seen[key] = i
    return repos, verdicts


def slug(name: str) -> str:
    return name.replace("/", "+")


def cmd_list(path: str) -> None:
    repos, _ = load(path)
    for r in repos:
        print(f"{r['name']}\t{r['commit']}")


def cmd_config(path: str, name: str) -> None:
    """The repository's own `auditlint.toml` text (its `config` key), if it declares one:
    what the project would write to adopt auditlint (its generic audit tables, say)."""
    repos, _ = load(path)
    for r in repos:
        if r["name"] == name:
            print(r.get("config", ""), end="")


def cmd_score(path: str, results: str, check: bool) -> int:
    repos, verdicts = load(path)
    by_key = {(v["repo"], v["path"], v["rule"], v["line"]): v for v in verdicts}
    out_dir = Path(results)
    rows = []
    unjudged = []
    failed = []
    tot = dict(findings=0, true=0, false=0, unjudged=0, errors=0, expected=0, found=0)
    handled_findings = 0
    for r in repos:
        name = r["name"]
        status_file = out_dir / f"{slug(name)}.status"
        status = status_file.read_text().strip() if status_file.exists() else "ok"
        report_file = out_dir / f"{slug(name)}.json"
        expected = [v for v in verdicts if v["repo"] == name and v.get("expect") == "finding"]
        if status != "ok" or not report_file.exists():
            failed.append((name, status if status != "ok" else "no report"))
            rows.append((name, None, expected))
            continue
        try:
            report = json.loads(report_file.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            failed.append((name, f"unreadable report: {exc}"))
            rows.append((name, None, expected))
            continue
        c = dict(findings=0, true=0, false=0, unjudged=0, errors=len(report.get("errors", [])))
        reported = set()
        for f in report.get("findings", []):
            key = (name, f["path"], f["rule"], f["line"])
            reported.add(key)
            c["findings"] += 1
            v = by_key.get(key)
            if v is not None and "verdict" not in v and v.get("expect") == "finding":
                # A swallowed write a reader found: reporting it is a true finding.
                c["true"] += 1
            elif v is None or "verdict" not in v:
                c["unjudged"] += 1
                msg = " ".join(f.get("message", "").split())
                unjudged.append(f"{name}: {f['path']}:{f['line']} {f['rule']} {msg}")
            elif v["verdict"]:
                c["true"] += 1
            else:
                c["false"] += 1
        c["expected"] = len(expected)
        c["found"] = sum(1 for v in expected if (v["repo"], v["path"], v["rule"], v["line"]) in reported)
        c["missed"] = [v for v in expected if (v["repo"], v["path"], v["rule"], v["line"]) not in reported]
        for k in tot:
            tot[k] += c[k]
        if r["all_handled"]:
            handled_findings += c["findings"]
        rows.append((name, c, expected))

    hdr = f"{'repository':34} {'h':1} {'find':>5} {'true':>5} {'false':>5} {'unjdg':>5} {'err':>4} {'recall':>9}"
    print(hdr)
    print("-" * len(hdr))
    for name, c, expected in rows:
        r = next(x for x in repos if x["name"] == name)
        h = "H" if r["all_handled"] else " "
        if c is None:
            print(f"{name:34} {h:1} {'(not run)':>5}")
            continue
        rec = f"{c['found']}/{c['expected']}"
        print(f"{name:34} {h:1} {c['findings']:>5} {c['true']:>5} {c['false']:>5} "
              f"{c['unjudged']:>5} {c['errors']:>4} {rec:>9}")
    print("-" * len(hdr))
    judged = tot["true"] + tot["false"]
    precision = tot["true"] / judged if judged else 1.0
    recall = tot["found"] / tot["expected"] if tot["expected"] else 1.0
    print(f"{'total':34}   {tot['findings']:>5} {tot['true']:>5} {tot['false']:>5} "
          f"{tot['unjudged']:>5} {tot['errors']:>4} {str(tot['found']) + '/' + str(tot['expected']):>9}")
    print()
    print(f"precision (true / judged):        {tot['true']}/{judged} = {precision:.1%}")
    print(f"recall (expected found / expected): {tot['found']}/{tot['expected']} = {recall:.1%}")
    print(f"findings on all_handled repositories (must be 0): {handled_findings}")
    print(f"repositories: {len(repos)} ({sum(1 for r in repos if r['all_handled'])} all_handled), "
          f"not run: {len(failed)}")
    for name, why in failed:
        print(f"  not run: {name}: {why}")
    missed = [(n, v) for n, c, _ in rows if c for v in c["missed"]]
    if missed:
        print()
        print(f"expected findings not reported ({len(missed)}):")
        for n, v in missed:
            print(f"  {n}: {v['path']}:{v['line']} {v['rule']} -- {v['reason']}")
    print()
    print(f"unjudged findings ({len(unjudged)}):")
    for line in unjudged:
        print(f"  {line}")
    if failed:
        return 2
    if check and (precision < 0.9 or recall < 0.9 or unjudged or handled_findings):
        return 1
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "list":
        cmd_list(argv[1])
        return 0
    if len(argv) >= 3 and argv[0] == "config":
        cmd_config(argv[1], argv[2])
        return 0
    if len(argv) >= 3 and argv[0] == "score":
        return cmd_score(argv[1], argv[2], "--check" in argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
