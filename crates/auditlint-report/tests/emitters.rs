//! The SARIF, GitHub and LSP emitters on hand-built reports: what each field holds.
//! (The binary's real output is checked against the SARIF schema, `sarif-multitool` and
//! GitHub's workflow-command syntax in the repository's `tests/formats.rs`.)

use std::collections::BTreeMap;
use std::path::Path;

use auditlint_core::{
    FileError, Finding, FindingLabel, Level, LineIndex, Report, Severity, Span, Summary, Suppressed,
};
use auditlint_report::sarif::{MAX_RESULTS, RuleDescriptor};
use auditlint_report::{github, lsp, sarif};
use serde_json::Value;

const ROUTE: &str = "src/routes/purge 1.ts";
const ROUTE_TEXT: &str = concat!(
    "import { logPurge } from \"../lib/audit\";\n",
    "export async function purge(env: Env) {\n",
    "  try {\n",
    "    await logPurge(env); // «😀»\n",
    "  } catch (err) {}\n",
    "  /* 😀é */ try { await logPurge(env); } catch {}\n",
    "}\n",
);
const LIB: &str = "src/lib/audit.ts";
const LIB_TEXT: &str = concat!(
    "export async function logPurge(env: Env) {\n",
    "  await env.DB.prepare(\"INSERT INTO staff_audit_logs (x) VALUES (1)\").run();\n",
    "}\n",
);

fn span_of(text: &str, needle: &str, nth: usize) -> Span {
    let (start, _) = text
        .match_indices(needle)
        .nth(nth)
        .expect("the needle is in the text");
    Span::new(start, start + needle.len())
}

fn located(text: &str, span: Span) -> (auditlint_core::Position, auditlint_core::Position) {
    let index = LineIndex::new(text);
    (
        index.position(text, span.start as usize),
        index.position(text, span.end as usize),
    )
}

fn finding(rule: &'static str, severity: Severity, needle: &str, nth: usize) -> Finding {
    let span = span_of(ROUTE_TEXT, needle, nth);
    let (start, end) = located(ROUTE_TEXT, span);
    let label_span = span_of(LIB_TEXT, "env.DB.prepare", 0);
    let (label_start, label_end) = located(LIB_TEXT, label_span);
    Finding {
        rule,
        severity,
        path: ROUTE.to_owned(),
        span,
        start,
        end,
        message: format!("the audit write's error is swallowed: `staff_audit_logs` ({nth})"),
        help: "rethrow, or `console.warn` with route, operation, ids and error".to_owned(),
        labels: vec![FindingLabel {
            path: LIB.to_owned(),
            span: label_span,
            start: label_start,
            end: label_end,
            message: "audit write to `staff_audit_logs`".to_owned(),
        }],
        fingerprint: format!("{nth:016x}"),
        suppressed: None,
        fix: None,
    }
}

fn report() -> Report {
    let swallowed = finding(
        "audit-error-swallowed",
        Severity::Error,
        "catch (err) {}",
        0,
    );
    let mut second = finding("audit-error-swallowed", Severity::Warning, "catch {}", 0);
    second.fingerprint = "00000000000000ff".to_owned();
    let mut suppressed = finding("audit-write-floating", Severity::Error, "logPurge(env)", 1);
    suppressed.suppressed = Some(Suppressed {
        reason: "best effort: replayed by the nightly job".to_owned(),
        line: 5,
    });
    Report {
        findings: vec![swallowed, second, suppressed],
        errors: vec![FileError {
            path: "src/broken.ts".to_owned(),
            message: "not UTF-8".to_owned(),
        }],
        summary: Summary {
            findings: 2,
            suppressed: 1,
            errors: 1,
            ..Summary::default()
        },
        sources: BTreeMap::from([
            (ROUTE.to_owned(), ROUTE_TEXT.to_owned()),
            (LIB.to_owned(), LIB_TEXT.to_owned()),
        ]),
        ..Report::default()
    }
}

const DOC: &str = "# audit-error-swallowed\n\nReports a handler that swallows an audit write's error.\n\n## What it does\n\nMore.\n";

fn rules() -> Vec<RuleDescriptor<'static>> {
    vec![
        RuleDescriptor {
            id: "audit-error-swallowed",
            summary: "an audit write's error is swallowed",
            documentation: DOC,
            level: Level::Error,
        },
        RuleDescriptor {
            id: "audit-result-unchecked",
            summary: "nothing reads the result",
            documentation: "# audit-result-unchecked\n\nText.\n",
            level: Level::Off,
        },
        RuleDescriptor {
            id: "audit-write-floating",
            summary: "the promise floats",
            documentation: "# audit-write-floating\n\nFloats.\n",
            level: Level::Warning,
        },
    ]
}

fn sarif_json(report: &Report) -> Value {
    let out = sarif::render(report, "9.9.9", &rules());
    assert!(out.ends_with("}\n"));
    serde_json::from_str(&out).expect("SARIF is JSON")
}

#[test]
fn sarif_driver_describes_every_rule_at_its_configured_level() {
    let log = sarif_json(&report());
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "auditlint");
    assert_eq!(driver["version"], "9.9.9");
    assert_eq!(
        driver["informationUri"],
        "https://github.com/auditlint/auditlint"
    );
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 3);
    let first = &rules[0];
    assert_eq!(first["id"], "audit-error-swallowed");
    assert_eq!(first["name"], "AuditErrorSwallowed");
    assert_eq!(
        first["shortDescription"]["text"],
        "an audit write's error is swallowed"
    );
    assert_eq!(
        first["fullDescription"]["text"],
        "Reports a handler that swallows an audit write's error."
    );
    assert_eq!(first["help"]["markdown"], DOC);
    assert_eq!(first["help"]["text"], DOC);
    assert_eq!(
        first["helpUri"],
        "https://github.com/auditlint/auditlint/blob/main/rules/audit-error-swallowed.md"
    );
    let tags: Vec<&str> = first["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for tag in ["security", "SOC2-CC7.2", "ISO27001-A.12.4.1"] {
        assert!(tags.contains(&tag), "{tags:?}");
    }
    assert_eq!(
        first["defaultConfiguration"],
        serde_json::json!({"enabled": true, "level": "error"})
    );
    assert_eq!(
        rules[1]["defaultConfiguration"],
        serde_json::json!({"enabled": false, "level": "none"})
    );
    assert_eq!(rules[2]["defaultConfiguration"]["level"], "warning");
}

#[test]
fn sarif_results_carry_severity_locations_fingerprints_and_suppressions() {
    let report = report();
    let log = sarif_json(&report);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);

    let first = &results[0];
    assert_eq!(first["ruleId"], "audit-error-swallowed");
    assert_eq!(first["ruleIndex"], 0);
    assert_eq!(first["level"], "error");
    // The level is the finding's severity, not the rule's: the second is a warning.
    assert_eq!(results[1]["level"], "warning");
    assert_eq!(results[2]["ruleIndex"], 2);
    let physical = &first["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"],
        serde_json::json!({"uri": "src/routes/purge%201.ts", "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(
        physical["region"],
        serde_json::json!({"startLine": 5, "startColumn": 5, "endLine": 5, "endColumn": 19})
    );
    let related = &first["relatedLocations"][0];
    assert_eq!(related["id"], 1);
    assert_eq!(
        related["message"]["text"],
        "audit write to `staff_audit_logs`"
    );
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "src/lib/audit.ts"
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 2);

    // GitHub's hash of the primary line, and ours.
    let hashes = sarif::line_hashes(ROUTE_TEXT);
    assert_eq!(
        first["partialFingerprints"]["primaryLocationLineHash"],
        hashes[4].as_str()
    );
    assert_eq!(
        first["partialFingerprints"]["auditlint/v1"],
        "0000000000000000"
    );
    // Non-ASCII before the span: columns count characters (code points), as `columnKind` says.
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["region"]["startColumn"],
        report.findings[1].start.column
    );

    assert!(first.get("suppressions").is_none());
    assert_eq!(
        results[2]["suppressions"],
        serde_json::json!([{
            "kind": "inSource",
            "justification": "best effort: replayed by the nightly job"
        }])
    );
}

#[test]
fn sarif_invocation_reports_files_that_could_not_be_checked() {
    let log = sarif_json(&report());
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0]["level"], "error");
    assert_eq!(
        notifications[0]["message"]["text"],
        "src/broken.ts: not UTF-8"
    );
    assert_eq!(
        notifications[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/broken.ts"
    );

    let clean = Report::default();
    let log = sarif_json(&clean);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert!(invocation.get("toolExecutionNotifications").is_none());
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_keeps_the_most_important_results_up_to_the_cap() {
    let template = finding("audit-error-swallowed", Severity::Warning, "catch {}", 0);
    let mut findings: Vec<Finding> = (0..MAX_RESULTS + 2)
        .map(|i| {
            let mut f = template.clone();
            f.fingerprint = format!("{i:016x}");
            f
        })
        .collect();
    // The last finding is an error: it is kept although it comes last.
    findings.last_mut().unwrap().severity = Severity::Error;
    // A suppressed one is among the first to go.
    findings[0].suppressed = Some(Suppressed {
        reason: "known".into(),
        line: 1,
    });
    let report = Report {
        findings,
        ..Report::default()
    };
    let log = sarif_json(&report);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), MAX_RESULTS);
    assert_eq!(results.last().unwrap()["level"], "error");
    assert!(results.iter().all(|r| r.get("suppressions").is_none()));
    // Report order is kept among those written.
    assert_eq!(
        results[0]["partialFingerprints"]["auditlint/v1"],
        "0000000000000001"
    );
    let notifications = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0]["level"], "warning");
    assert!(
        notifications[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("2 of 5002 results were left out"),
        "{notifications:?}"
    );
    // Still a successful run: nothing failed to be checked.
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

#[test]
fn github_annotations_are_escaped_workflow_commands() {
    let out = github::render(&report());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "::error file=src/routes/purge 1.ts,line=5,endLine=5,col=5,endColumn=19,\
         title=auditlint%3A audit-error-swallowed::the audit write's error is swallowed: \
         `staff_audit_logs` (0)%0Ahelp: rethrow, or `console.warn` with route, operation, ids and \
         error%0Asrc/lib/audit.ts:2:9: audit write to `staff_audit_logs`"
    );
    assert!(lines[1].starts_with("::warning file=src/routes/purge 1.ts,line=6,"));
    // The suppressed finding is not annotated; the unchecked file is.
    assert_eq!(
        lines[2],
        "::error file=src/broken.ts,title=auditlint::could not be checked: not UTF-8"
    );
    assert_eq!(
        lines[3],
        "auditlint: 2 findings (1 error, 1 warning), 1 suppressed, 1 file not checked"
    );
    assert_eq!(lines.len(), 4);

    let mut tricky = report();
    tricky.findings[0].path = "a,b:c%.ts".into();
    tricky.findings[0].message = "100% bad\r\nreally".into();
    let out = github::render(&tricky);
    assert!(
        out.starts_with("::error file=a%2Cb%3Ac%25.ts,line=5,"),
        "{out}"
    );
    assert!(out.contains("::100%25 bad%0D%0Areally%0Ahelp: "), "{out}");
}

#[test]
fn github_prints_ten_per_level_and_a_notice_for_the_rest() {
    let error = finding(
        "audit-error-swallowed",
        Severity::Error,
        "catch (err) {}",
        0,
    );
    let warning = finding("audit-write-floating", Severity::Warning, "catch {}", 0);
    let mut findings = vec![error; 13];
    findings.extend(vec![warning; 11]);
    let report = Report {
        findings,
        ..Report::default()
    };
    let out = github::render(&report);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("::error ")).count(),
        10
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with("::warning ")).count(),
        10
    );
    let notice: Vec<&str> = out.lines().filter(|l| l.starts_with("::notice")).collect();
    assert_eq!(
        notice,
        [
            "::notice title=auditlint::3 more errors and 1 more warning not shown as annotations \
          (GitHub shows 10 per level per step); the job summary and the SARIF upload list them all"
        ]
    );
}

#[test]
fn github_step_summary_is_a_table_of_every_finding() {
    let mut report = report();
    report.findings[1].message = "a | b".into();
    let summary = github::step_summary(&report);
    let expected = "### auditlint\n\n2 findings, 1 suppressed.\n\n\
| Severity | Rule | Location | Message |\n\
| --- | --- | --- | --- |\n\
| error | [`audit-error-swallowed`](https://github.com/auditlint/auditlint/blob/main/rules/audit-error-swallowed.md) | `src/routes/purge 1.ts:5:5` | the audit write's error is swallowed: `staff_audit_logs` (0) |\n\
| warning | [`audit-error-swallowed`](https://github.com/auditlint/auditlint/blob/main/rules/audit-error-swallowed.md) | `src/routes/purge 1.ts:6:41` | a \\| b |\n\
| suppressed | [`audit-write-floating`](https://github.com/auditlint/auditlint/blob/main/rules/audit-write-floating.md) | `src/routes/purge 1.ts:6:24` | the audit write's error is swallowed: `staff_audit_logs` (1) (suppressed: best effort: replayed by the nightly job) |\n\
\nNot checked:\n\n- `src/broken.ts`: not UTF-8\n\n";
    assert_eq!(summary, expected);
    assert_eq!(
        github::step_summary(&Report::default()),
        "### auditlint\n\nNo findings.\n\n"
    );
}

#[test]
fn lsp_params_use_zero_based_lines_and_utf16_columns() {
    let report = report();
    let out = lsp::render(&report, Path::new("/work/project"));
    let params: Value = serde_json::from_str(&out).expect("JSON");
    let params = params.as_array().unwrap();
    assert_eq!(
        params.len(),
        1,
        "one file; the suppressed finding is left out"
    );
    assert_eq!(
        params[0]["uri"],
        "file:///work/project/src/routes/purge%201.ts"
    );
    let diagnostics = params[0]["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 2);
    let first = &diagnostics[0];
    assert_eq!(
        first["range"],
        serde_json::json!({"start": {"line": 4, "character": 4}, "end": {"line": 4, "character": 18}})
    );
    assert_eq!(first["severity"], 1);
    assert_eq!(first["code"], "audit-error-swallowed");
    assert_eq!(
        first["codeDescription"]["href"],
        "https://github.com/auditlint/auditlint/blob/main/rules/audit-error-swallowed.md"
    );
    assert_eq!(first["source"], "auditlint");
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .ends_with("\nhelp: rethrow, or `console.warn` with route, operation, ids and error")
    );
    let related = &first["relatedInformation"][0];
    assert_eq!(
        related["location"]["uri"],
        "file:///work/project/src/lib/audit.ts"
    );
    assert_eq!(related["location"]["range"]["start"]["line"], 1);
    assert_eq!(related["message"], "audit write to `staff_audit_logs`");

    // `  /* 😀é */ try { await logPurge(env); } catch {}`: 😀 is one code point but two UTF-16
    // units, so the LSP column is one more than the engine's 0-based code-point column.
    let second = &diagnostics[1];
    assert_eq!(second["severity"], 2);
    assert_eq!(second["range"]["start"]["line"], 5);
    assert_eq!(
        second["range"]["start"]["character"],
        u64::from(report.findings[1].start.column)
    );

    assert_eq!(lsp::render(&Report::default(), Path::new("/")), "[]\n");
}
