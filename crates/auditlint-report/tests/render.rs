//! Snapshots of both emitters on one hand-built report, plus the JSON contract's shape.

use std::collections::BTreeMap;

use auditlint_core::{
    FileError, Finding, FindingLabel, LineIndex, Report, Severity, Span, Summary,
    diagnostic::stable_hash,
};
use auditlint_report::{human, json};

const PURGE_PATH: &str = "workers/src/routes/cache-purge.ts";
const PURGE: &str = r#"import { writeAudit } from "../lib/audit";

export async function purge(env: Env, ids: string[]) {
  await env.CDN.purge(ids);
  try {
    await writeAudit(env, "cache_purge", ids);
  } catch (err) {}
  return new Response("ok");
}
"#;

const AUDIT_PATH: &str = "workers/src/lib/audit.ts";
const AUDIT: &str = r#"// Écrit la ligne d'audit « staff_audit_logs »
export async function writeAudit(env: Env, op: string, ids: string[]) {
  await env.DB.prepare("INSERT INTO staff_audit_logs (op, ids) VALUES (?, ?)").bind(op, ids.join(",")).run();
}

export function note(env: Env) {
  /* réessai ✓ */ env.DB.prepare("INSERT INTO audit_log (note) VALUES ('retry')").run();
}
"#;

/// The span of the first occurrence of `needle` in `text`.
fn span_of(text: &str, needle: &str) -> Span {
    let start = text.find(needle).expect("needle is in the fixture text");
    Span::new(start, start + needle.len())
}

fn label(path: &str, text: &str, needle: &str, message: &str) -> FindingLabel {
    let span = span_of(text, needle);
    let index = LineIndex::new(text);
    FindingLabel {
        path: path.to_owned(),
        span,
        start: index.position(text, span.start as usize),
        end: index.position(text, span.end as usize),
        message: message.to_owned(),
    }
}

fn finding(
    rule: &'static str,
    severity: Severity,
    (path, text, needle): (&str, &str, &str),
    message: &str,
    help: &str,
    labels: Vec<FindingLabel>,
) -> Finding {
    let span = span_of(text, needle);
    let index = LineIndex::new(text);
    Finding {
        rule,
        severity,
        path: path.to_owned(),
        span,
        start: index.position(text, span.start as usize),
        end: index.position(text, span.end as usize),
        message: message.to_owned(),
        help: help.to_owned(),
        labels,
        fingerprint: format!("{:016x}", stable_hash(&[rule, path, message])),
        suppressed: None,
        fix: None,
    }
}

fn sample_report() -> Report {
    let floating = finding(
        "audit-write-floating",
        Severity::Warning,
        (
            AUDIT_PATH,
            AUDIT,
            r#"env.DB.prepare("INSERT INTO audit_log (note) VALUES ('retry')").run()"#,
        ),
        "audit write to `audit_log` is neither awaited nor returned",
        "`await` the write, or attach a `.catch` that logs with `console.warn`",
        vec![],
    );
    let swallowed = finding(
        "audit-error-swallowed",
        Severity::Error,
        (PURGE_PATH, PURGE, "catch (err) {}"),
        "failure of the audit write to `staff_audit_logs` is swallowed",
        "rethrow, or `console.warn` with route/operation/ids/error and return `audit_logged: false`",
        vec![label(
            AUDIT_PATH,
            AUDIT,
            r#"env.DB.prepare("INSERT INTO staff_audit_logs (op, ids) VALUES (?, ?)")"#,
            "audit write to `staff_audit_logs`",
        )],
    );
    let sources = BTreeMap::from([
        (PURGE_PATH.to_owned(), PURGE.to_owned()),
        (AUDIT_PATH.to_owned(), AUDIT.to_owned()),
    ]);
    Report {
        findings: vec![floating, swallowed],
        errors: vec![FileError {
            path: "workers/src/broken.ts".to_owned(),
            message: "could not read file: permission denied".to_owned(),
        }],
        summary: Summary {
            files_scanned: 12,
            files_parsed: 4,
            findings: 2,
            suppressed: 0,
            errors: 1,
            elapsed_ms: 35,
            skipped_generated: 0,
            skipped_tests: 0,
            baselined: None,
        },
        sources,
        ..Report::default()
    }
}

#[test]
fn skipped_files_are_counted_and_listed_when_verbose() {
    let mut report = sample_report();
    report.summary.skipped_generated = 2;
    report.summary.skipped_tests = 1;
    report.skipped = vec![auditlint_core::SkippedFile {
        path: "dist/index.js".to_owned(),
        kind: auditlint_core::SkipKind::Generated,
        reason: "in a build output directory (`dist/`)".to_owned(),
    }];
    let quiet = human::render(&report, false);
    assert!(
        quiet.contains(", 2 files skipped as generated, 1 test file skipped (`check-tests`)"),
        "{quiet}"
    );
    assert!(!quiet.contains("skipped: dist/index.js"), "{quiet}");
    let verbose = human::render_with(&report, false, true);
    assert!(
        verbose.contains("skipped: dist/index.js: in a build output directory (`dist/`)\n"),
        "{verbose}"
    );
}

#[test]
fn non_ascii_columns_count_characters() {
    let report = sample_report();
    let floating = &report.findings[0];
    // `  /* réessai ✓ */ ` is 18 characters but 21 bytes.
    assert_eq!((floating.start.line, floating.start.column), (7, 19));
}

#[test]
fn human_snapshot() {
    insta::assert_snapshot!(human::render(&sample_report(), false));
}

#[test]
fn human_without_color_has_no_escapes_and_with_color_has_some() {
    let report = sample_report();
    assert!(!human::render(&report, false).contains('\u{1b}'));
    assert!(human::render(&report, true).contains('\u{1b}'));
}

#[test]
fn human_falls_back_to_plain_lines_for_unshowable_spans() {
    let mut report = sample_report();
    // The primary file's text is missing.
    report.sources.remove(PURGE_PATH);
    // A span past the end of its file.
    report.findings[0].span = Span::new(AUDIT.len() + 5, AUDIT.len() + 9);
    // A label span that splits the `É` of the first line.
    let mut split = report.findings[1].labels[0].clone();
    split.span = Span::new(4, 5);
    split.message = "split label".to_owned();
    report.findings[1].labels.push(split);
    insta::assert_snapshot!(human::render(&report, false));
}

#[test]
fn human_secondary_label_that_cannot_be_shown_becomes_a_note() {
    let mut report = sample_report();
    report.findings[1].labels[0].span = Span::new(4, 5);
    let out = human::render(&report, false);
    assert!(
        out.contains("= workers/src/lib/audit.ts:3:9: audit write to `staff_audit_logs`"),
        "{out}"
    );
    assert!(
        out.contains("┌─ workers/src/routes/cache-purge.ts:7:5"),
        "{out}"
    );
}

#[test]
fn human_summary_lines() {
    let mut report = sample_report();
    report.summary.suppressed = 2;
    let out = human::render(&report, false);
    assert!(out.ends_with(
        "Found 2 findings (1 error, 1 warning) in 12 files scanned, 4 parsed, in 35 ms, \
         2 suppressed, 1 file could not be checked.\n"
    ));

    let empty = Report {
        summary: Summary {
            files_scanned: 1,
            files_parsed: 0,
            elapsed_ms: 3,
            ..Summary::default()
        },
        ..Report::default()
    };
    assert_eq!(
        human::render(&empty, false),
        "No findings in 1 file scanned, 0 parsed, in 3 ms.\n"
    );
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(json::render(&sample_report(), "0.1.0"));
}

fn keys(value: &serde_json::Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn sorted(mut keys: Vec<&str>) -> Vec<&str> {
    keys.sort_unstable();
    keys
}

#[test]
fn json_parses_back_with_exactly_the_contract_keys() {
    let out = json::render(&sample_report(), "0.1.0");
    assert!(out.ends_with("}\n"));
    let doc: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");

    assert_eq!(
        keys(&doc),
        sorted(vec!["version", "tool", "summary", "findings", "errors"])
    );
    assert_eq!(doc["version"], 1);
    assert_eq!(keys(&doc["tool"]), sorted(vec!["name", "version"]));
    assert_eq!(doc["tool"]["name"], "auditlint");
    assert_eq!(doc["tool"]["version"], "0.1.0");
    assert_eq!(
        keys(&doc["summary"]),
        sorted(vec![
            "files_scanned",
            "files_parsed",
            "findings",
            "suppressed",
            "errors",
            "skipped_generated",
            "skipped_tests",
            "elapsed_ms",
        ])
    );

    let findings = doc["findings"].as_array().expect("an array");
    assert_eq!(findings.len(), 2);
    for finding in findings {
        assert_eq!(
            keys(finding),
            sorted(vec![
                "rule",
                "severity",
                "path",
                "line",
                "column",
                "end_line",
                "end_column",
                "message",
                "help",
                "labels",
                "fingerprint",
            ])
        );
        for label in finding["labels"].as_array().expect("an array") {
            assert_eq!(
                keys(label),
                sorted(vec![
                    "path",
                    "line",
                    "column",
                    "end_line",
                    "end_column",
                    "message",
                ])
            );
        }
    }
    assert_eq!(findings[0]["severity"], "warning");
    assert_eq!(findings[1]["severity"], "error");
    assert_eq!(findings[0]["column"], 19);

    let errors = doc["errors"].as_array().expect("an array");
    assert_eq!(errors.len(), 1);
    assert_eq!(keys(&errors[0]), sorted(vec!["path", "message"]));
}

#[test]
fn json_keys_appear_in_contract_order() {
    let out = json::render(&sample_report(), "0.1.0");
    let offsets: Vec<usize> = [
        "\"version\"",
        "\"tool\"",
        "\"summary\"",
        "\"findings\"",
        "\"errors\"",
    ]
    .iter()
    .map(|key| out.find(key).expect("key present"))
    .collect();
    assert!(offsets.windows(2).all(|pair| pair[0] < pair[1]), "{out}");
}

#[test]
fn human_renders_empty_and_end_of_file_spans() {
    let mut report = sample_report();
    report.sources.insert("empty.ts".to_owned(), String::new());
    report.findings[0].path = "empty.ts".to_owned();
    report.findings[0].span = Span::new(0, 0);
    report.findings[1].span = Span::new(PURGE.len(), PURGE.len());
    report.findings[1].labels[0].span = Span::new(AUDIT.len() - 1, AUDIT.len());
    let out = human::render(&report, false);
    assert!(out.contains("┌─ empty.ts:1:1"), "{out}");
    assert!(
        out.contains("┌─ workers/src/routes/cache-purge.ts:10:1"),
        "{out}"
    );
}

#[test]
fn a_suppressed_finding_is_listed_in_json_and_only_counted_in_human_output() {
    let mut report = sample_report();
    report.findings[1].suppressed = Some(auditlint_core::Suppressed {
        reason: "the nightly replay job re-inserts failed rows".to_owned(),
        line: 6,
    });
    report.summary.findings = 1;
    report.summary.suppressed = 1;
    report.summary.baselined = Some(3);
    let json: serde_json::Value = serde_json::from_str(&json::render(&report, "0.1.0")).unwrap();
    assert!(json["findings"][0].get("suppressed").is_none());
    assert_eq!(
        json["findings"][1]["suppressed"],
        serde_json::json!({ "reason": "the nightly replay job re-inserts failed rows", "line": 6 })
    );
    assert_eq!(json["summary"]["baselined"], 3);
    let out = human::render(&report, false);
    assert!(!out.contains("is swallowed"), "{out}");
    assert!(
        out.ends_with(
            "Found 1 finding (0 errors, 1 warning) in 12 files scanned, 4 parsed, in 35 ms, \
             1 suppressed, 3 in the baseline, 1 file could not be checked.\n"
        ),
        "{out}"
    );
}
