//! The fixture harness: every case under `fixtures/<rule-id>/` is checked by the real binary,
//! and its findings are compared exactly with the inline expectations.
//!
//! - `//~ RULE` expects a finding of RULE whose primary span starts on this line;
//!   `//~^ RULE` the line above (one `^` per line); `//~ RULE: text` also requires `text` in
//!   the message.
//! - `//~ suppressed: RULE` expects a finding of RULE on this line that an inline suppression
//!   silences (it is in the JSON with `suppressed` set); `//~ RULE` only matches findings that
//!   are not suppressed, so a suppression that stops working (or starts) fails the case.
//! - `//@ expect: none` marks a file that must have no findings; a source file with neither a
//!   marker nor this line fails the harness, so no fixture is vacuous by accident.
//! - `//@ config: LINE` adds LINE to the case's `auditlint.toml` (a project's own vocabulary,
//!   e.g. `//@ config: [sinks]` then `//@ config: extend-tables = ["tier_events"]`).
//! - `//@ error: text` expects an `errors` entry for the file containing `text`; any other
//!   error fails the case.
//!
//! A case is a single file (a project of its own) or a folder (a multi-file project).
//!
//! In Python files the markers start with `#` instead of `//`: `#~ RULE`, `#@ expect: none`,
//! `#@ config: LINE`, `#@ error: text`.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    path: String,
    line: u64,
    rule: String,
    text: Option<String>,
    suppressed: bool,
}

#[derive(Default)]
struct Expectations {
    findings: Vec<Expected>,
    errors: Vec<(String, String)>,
    problems: Vec<String>,
}

fn is_source(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some(
            "ts" | "tsx"
                | "mts"
                | "cts"
                | "js"
                | "jsx"
                | "mjs"
                | "cjs"
                | "rs"
                | "go"
                | "py"
                | "pyi"
        )
    )
}

/// What starts a line comment in `path`'s language: the markers' prefix.
fn comment_of(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("py" | "pyi") => "#",
        _ => "//",
    }
}

fn source_files(case_root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![case_root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if dir.is_file() {
            out.push(dir);
            continue;
        }
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if is_source(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn parse_expectations(root: &Path, files: &[PathBuf]) -> Expectations {
    let mut out = Expectations::default();
    for file in files {
        let rel = file
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| file.file_name().unwrap().to_string_lossy().into_owned());
        let Ok(text) = std::fs::read_to_string(file) else {
            // Deliberately broken files (non-UTF-8) declare nothing; their `.expect` sidecar does.
            let sidecar = file.with_extension("expect");
            if let Ok(expect) = std::fs::read_to_string(&sidecar) {
                for line in expect.lines() {
                    if let Some(e) = line.strip_prefix("error: ") {
                        out.errors.push((rel.clone(), e.trim().to_string()));
                    }
                }
            } else {
                out.problems
                    .push(format!("{rel}: not UTF-8 and no .expect sidecar"));
            }
            continue;
        };
        let mut markers = 0;
        let mut expect_none = false;
        let comment = comment_of(file);
        let (none_marker, error_marker, finding_marker) = (
            format!("{comment}@ expect: none"),
            format!("{comment}@ error:"),
            format!("{comment}~"),
        );
        for (i, line) in text.lines().enumerate() {
            let line_no = i as u64 + 1;
            if line.contains(&none_marker) {
                expect_none = true;
            }
            if let Some(at) = line.find(&error_marker) {
                out.errors.push((
                    rel.clone(),
                    line[at + error_marker.len()..].trim().to_string(),
                ));
                markers += 1;
            }
            for marker in line.split(&finding_marker).skip(1) {
                let carets = marker.chars().take_while(|&c| c == '^').count();
                let rest = marker[carets..].trim();
                let (rule, text) = match rest.split_once(':') {
                    Some((rule, text)) => (rule.trim(), Some(text.trim().to_string())),
                    None => (rest.split_whitespace().next().unwrap_or(""), None),
                };
                if rule.is_empty() {
                    out.problems
                        .push(format!("{rel}:{line_no}: a `//~` marker without a rule"));
                    continue;
                }
                markers += 1;
                let (rule, text, suppressed) = match (rule, text) {
                    ("suppressed", Some(rule)) => (rule, None, true),
                    (rule, text) => (rule.to_string(), text, false),
                };
                out.findings.push(Expected {
                    path: rel.clone(),
                    line: line_no - carets as u64,
                    rule,
                    text,
                    suppressed,
                });
            }
        }
        if markers == 0 && !expect_none {
            out.problems.push(format!(
                "{rel}: no `//~` marker and no `//@ expect: none`: a fixture must say what it expects"
            ));
        }
        if markers > 0 && expect_none && out.findings.iter().any(|f| f.path == rel) {
            out.problems.push(format!(
                "{rel}: has both `//~` markers and `//@ expect: none`"
            ));
        }
    }
    out
}

fn run_case(case: &Path) -> Vec<String> {
    let temp = tempfile::tempdir().expect("tempdir");
    // Each case is a project of its own: nothing leaks between cases.
    std::fs::write(temp.path().join("auditlint.toml"), "").expect("write config");
    support::copy_into(case, temp.path());
    let root = temp.path();
    let files = source_files(root);
    // `//@ config: LINE` lines make up the case's `auditlint.toml` (after any the case ships).
    let config: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok().map(|t| (comment_of(f), t)))
        .flat_map(|(comment, text)| {
            let marker = format!("{comment}@ config:");
            text.lines()
                .filter_map(|l| l.split_once(&marker).map(|(_, c)| c.trim().to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    if !config.is_empty() {
        let path = root.join("auditlint.toml");
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        text.push('\n');
        text.push_str(&config.join("\n"));
        text.push('\n');
        std::fs::write(&path, text).expect("write config");
    }
    let expectations = parse_expectations(root, &files);
    let mut failures: Vec<String> = expectations.problems.clone();
    let (code, json) = support::check_json(root, &[]);
    if code != 0 && code != 2 {
        failures.push(format!("exit code {code} with --fail-on never"));
    }
    let findings = json["findings"].as_array().cloned().unwrap_or_default();
    let actual: BTreeSet<(String, u64, String, bool)> = findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default().to_string(),
                f.get("suppressed").is_some_and(|s| !s.is_null()),
            )
        })
        .collect();
    let expected: BTreeSet<(String, u64, String, bool)> = expectations
        .findings
        .iter()
        .map(|e| (e.path.clone(), e.line, e.rule.clone(), e.suppressed))
        .collect();
    let suppressed = |s: bool| if s { " (suppressed)" } else { "" };
    for missing in expected.difference(&actual) {
        failures.push(format!(
            "missing: {}:{} {}{}",
            missing.0,
            missing.1,
            missing.2,
            suppressed(missing.3)
        ));
    }
    for extra in actual.difference(&expected) {
        let message = findings
            .iter()
            .find(|f| {
                f["path"] == extra.0.as_str()
                    && f["line"] == extra.1
                    && f["rule"] == extra.2.as_str()
            })
            .and_then(|f| f["message"].as_str())
            .unwrap_or_default();
        failures.push(format!(
            "unexpected: {}:{} {}{} — {message}",
            extra.0,
            extra.1,
            extra.2,
            suppressed(extra.3)
        ));
    }
    for e in &expectations.findings {
        let Some(text) = &e.text else { continue };
        let matched = findings.iter().any(|f| {
            f["path"] == e.path.as_str()
                && f["line"] == e.line
                && f["rule"] == e.rule.as_str()
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(text.as_str()))
        });
        if !matched && actual.contains(&(e.path.clone(), e.line, e.rule.clone(), e.suppressed)) {
            failures.push(format!(
                "{}:{} {}: message lacks `{text}`",
                e.path, e.line, e.rule
            ));
        }
    }
    let errors: Vec<(String, String)> = json["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap_or_default().to_string(),
                e["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for (path, text) in &expectations.errors {
        if !errors
            .iter()
            .any(|(p, m)| p == path && m.contains(text.as_str()))
        {
            failures.push(format!(
                "missing error for {path}: `{text}` (errors: {errors:?})"
            ));
        }
    }
    for (path, message) in &errors {
        if !expectations
            .errors
            .iter()
            .any(|(p, t)| p == path && message.contains(t.as_str()))
        {
            failures.push(format!("unexpected error: {path}: {message}"));
        }
    }
    if (code == 2) == errors.is_empty() {
        failures.push(format!(
            "exit code {code} does not match {} errors",
            errors.len()
        ));
    }
    failures
}

fn cases() -> Vec<PathBuf> {
    let fixtures = support::repo_root().join("fixtures");
    let mut cases = Vec::new();
    for rule_dir in std::fs::read_dir(&fixtures).expect("fixtures/") {
        let rule_dir = rule_dir.expect("entry").path();
        if !rule_dir.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&rule_dir).expect("rule dir") {
            let case = case.expect("entry").path();
            if case.is_dir() || is_source(&case) {
                cases.push(case);
            }
        }
    }
    cases.sort();
    cases
}

#[test]
fn fixtures_match_their_expectations() {
    let cases = cases();
    assert!(
        cases.len() >= 10,
        "expected fixtures, found {}",
        cases.len()
    );
    let root = support::repo_root();
    let mut report = Vec::new();
    for case in &cases {
        let failures = run_case(case);
        if !failures.is_empty() {
            let name = case
                .strip_prefix(&root)
                .unwrap_or(case)
                .display()
                .to_string();
            report.push(format!("{name}:\n  {}", failures.join("\n  ")));
        }
    }
    assert!(
        report.is_empty(),
        "{} of {} fixture cases failed:\n{}",
        report.len(),
        cases.len(),
        report.join("\n")
    );
}

/// Every rule has a fixture folder with at least one firing and one clean case.
#[test]
fn every_rule_has_fixtures() {
    let fixtures = support::repo_root().join("fixtures");
    for rule in auditlint_rules_ids() {
        let dir = fixtures.join(&rule);
        assert!(dir.is_dir(), "no fixtures/{rule}/");
        let texts: Vec<String> = source_files(&dir)
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .collect();
        assert!(
            texts
                .iter()
                .any(|t| t.contains(&format!("//~ {rule}")) || t.contains(&format!("//~^ {rule}"))),
            "fixtures/{rule}/ has no firing case"
        );
        assert!(
            texts.iter().any(|t| t.contains("//@ expect: none")),
            "fixtures/{rule}/ has no clean case"
        );
    }
}

fn auditlint_rules_ids() -> Vec<String> {
    let output = support::auditlint()
        .arg("rules")
        .output()
        .expect("auditlint rules");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Every audit rule has a Python fixture that fires and a Python fixture that is clean (issue 16:
/// the front end is born with the same rules, not only the same facts).
#[test]
fn every_audit_rule_has_python_fixtures() {
    let fixtures = support::repo_root().join("fixtures");
    for rule in auditlint_rules_ids()
        .into_iter()
        .filter(|r| r.starts_with("audit-"))
    {
        let texts: Vec<String> = source_files(&fixtures.join(&rule))
            .iter()
            .filter(|f| comment_of(f) == "#")
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .collect();
        assert!(
            texts
                .iter()
                .any(|t| t.contains(&format!("#~ {rule}")) || t.contains(&format!("#~^ {rule}"))),
            "fixtures/{rule}/ has no firing Python case"
        );
        assert!(
            texts.iter().any(|t| t.contains("#@ expect: none")),
            "fixtures/{rule}/ has no clean Python case"
        );
    }
}
