//! The machine formats of the real binary: SARIF (against the official 2.1.0 schema and
//! Microsoft's `sarif-multitool` with GitHub's rules), GitHub workflow commands and job summary,
//! and LSP `PublishDiagnosticsParams`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn example() -> PathBuf {
    support::repo_root().join("examples/saas-monorepo")
}

/// `auditlint check --format FORMAT --fail-on never` in `dir`: (exit code, stdout).
fn check(dir: &Path, format: &str, extra: &[&str]) -> (i32, String) {
    let output = support::auditlint()
        .current_dir(dir)
        .args(["check", "--format", format, "--fail-on", "never"])
        .args(extra)
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("run auditlint");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).expect("UTF-8 output"),
    )
}

fn sarif(dir: &Path) -> (i32, Value) {
    let (code, stdout) = check(dir, "sarif", &[]);
    let log = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}:\n{stdout}"));
    (code, log)
}

/// A project with a suppressed finding, a live one, a file that cannot be checked, and a rule
/// turned off.
fn troubled_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("auditlint.toml"),
        "[rules]\naudit-result-unchecked = \"off\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.ts"),
        "export async function f(db: D1Database) {\n  try {\n    await db.prepare(\"INSERT INTO audit_log (a) VALUES (1)\").run();\n    // auditlint-ignore audit-error-swallowed -- best effort, replayed by the nightly reconciliation job\n  } catch {}\n  try {\n    await db.prepare(\"INSERT INTO audit_log (a) VALUES (2)\").run();\n  } catch {}\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("b.ts"), b"\xff\xfe not text").unwrap();
    dir
}

fn schema_validator() -> jsonschema::Validator {
    let path = support::repo_root().join("tests/schemas/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the vendored schema"))
            .expect("the schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_schema_valid(log: &Value) {
    let validator = schema_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let (code, log) = sarif(&example());
    assert_eq!(code, 0);
    assert_schema_valid(&log);
    let (code, log) = sarif(troubled_project().path());
    assert_eq!(code, 2, "a file could not be checked");
    assert_schema_valid(&log);
    // The validator is not vacuous: a level SARIF does not know is rejected.
    let mut broken = log;
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!schema_validator().is_valid(&broken));
}

#[test]
fn sarif_matches_the_json_report() {
    let (_, log) = sarif(&example());
    let (_, json) = support::check_json(&example(), &[]);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, auditlint_rules_ids());
    // The example's auditlint.toml makes `audit-write-floating` a warning.
    let floating = rules
        .iter()
        .find(|r| r["id"] == "audit-write-floating")
        .unwrap();
    assert_eq!(floating["defaultConfiguration"]["level"], "warning");
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let doc = support::auditlint()
            .args(["explain", id])
            .output()
            .unwrap()
            .stdout;
        assert_eq!(rule["help"]["markdown"], String::from_utf8(doc).unwrap());
    }

    let results = run["results"].as_array().unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    assert!(!results.is_empty());
    for (result, finding) in results.iter().zip(findings) {
        assert_eq!(result["ruleId"], finding["rule"]);
        assert_eq!(
            rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
            finding["rule"]
        );
        assert_eq!(result["level"], finding["severity"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], finding["path"]);
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &location["region"];
        assert_eq!(region["startLine"], finding["line"]);
        assert_eq!(region["startColumn"], finding["column"]);
        assert_eq!(region["endLine"], finding["end_line"]);
        assert_eq!(region["endColumn"], finding["end_column"]);
        assert_eq!(
            result["relatedLocations"].as_array().map_or(0, Vec::len),
            finding["labels"].as_array().unwrap().len()
        );
        assert_eq!(
            result["partialFingerprints"]["auditlint/v1"],
            finding["fingerprint"]
        );
        let hash = result["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap();
        let (value, count) = hash.split_once(':').unwrap();
        assert!(u64::from_str_radix(value, 16).is_ok() && count.parse::<u32>().is_ok());
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

fn auditlint_rules_ids() -> Vec<String> {
    let output = support::auditlint().arg("rules").output().unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn sarif_reports_suppressions_and_files_that_could_not_be_checked() {
    let project = troubled_project();
    let (_, log) = sarif(project.path());
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{results:#?}");
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(
        suppressed[0]["suppressions"],
        serde_json::json!([{
            "kind": "inSource",
            "justification": "best effort, replayed by the nightly reconciliation job"
        }])
    );
    let off = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "audit-result-unchecked")
        .unwrap();
    assert_eq!(
        off["defaultConfiguration"],
        serde_json::json!({"enabled": false, "level": "none"})
    );
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notifications.len(), 1);
    assert_eq!(
        notifications[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "b.ts"
    );
}

/// `sarif-multitool validate --rule-kind "Sarif;Gh"`: the SARIF rules and GitHub's ingestion
/// rules. It exits 0 whatever it finds, so its output log is read.
#[test]
fn sarif_passes_sarif_multitool_with_github_rules() {
    let Some(multitool) = support::external_tool(
        "AUDITLINT_TEST_SARIF_MULTITOOL",
        "target/ci-tools/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
    ) else {
        return;
    };
    let troubled = troubled_project();
    let work = tempfile::tempdir().unwrap();
    for (name, dir) in [
        ("example", example()),
        ("troubled", troubled.path().to_owned()),
    ] {
        let (_, stdout) = check(&dir, "sarif", &[]);
        let input = work.path().join(format!("{name}.sarif"));
        let output = work.path().join(format!("{name}.validation.sarif"));
        std::fs::write(&input, stdout).unwrap();
        let run = Command::new(&multitool)
            .args(["validate", "--rule-kind", "Sarif;Gh", "--output"])
            .arg(&output)
            .arg(&input)
            .output()
            .expect("run sarif-multitool");
        let log_text = std::fs::read_to_string(&output).unwrap_or_else(|e| {
            panic!(
                "sarif-multitool wrote no log ({e}):\n{}\n{}",
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            )
        });
        let log: Value = serde_json::from_str(&log_text).unwrap();
        let run = &log["runs"][0];
        assert_eq!(
            run["invocations"][0]["executionSuccessful"], true,
            "{log_text}"
        );
        assert!(
            run["invocations"][0]
                .get("toolExecutionNotifications")
                .is_none(),
            "{log_text}"
        );
        // Results are filtered to errors and warnings by default; a result without `level` is
        // a warning.
        let problems: Vec<String> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r["level"].as_str().unwrap_or("warning"),
                    r["ruleId"],
                    r["message"]
                )
            })
            .collect();
        assert!(
            problems.is_empty(),
            "{name}: sarif-multitool found:\n{}",
            problems.join("\n")
        );
    }
}

#[test]
fn github_format_prints_workflow_commands_and_appends_the_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "## earlier step\n").unwrap();
    let output = support::auditlint()
        .current_dir(example())
        .args(["check", "--format", "github"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "--fail-on error by default");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let (_, json) = support::check_json(&example(), &[]);
    let findings = json["findings"].as_array().unwrap();
    let commands: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(commands.len(), findings.len(), "{stdout}");
    for (command, finding) in commands.iter().zip(findings) {
        let expected_head = format!(
            "::{} file={},line={},endLine={},col={},endColumn={},title=auditlint%3A {}::",
            finding["severity"].as_str().unwrap(),
            finding["path"].as_str().unwrap(),
            finding["line"],
            finding["end_line"],
            finding["column"],
            finding["end_column"],
            finding["rule"].as_str().unwrap(),
        );
        assert!(
            command.starts_with(&expected_head),
            "{command}\n{expected_head}"
        );
        let message = &command[expected_head.len()..];
        assert!(
            !message.contains('\n') && message.contains("%0Ahelp: "),
            "{message}"
        );
    }
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        written.starts_with("## earlier step\n### auditlint\n"),
        "{written}"
    );
    assert!(written.contains("| Severity | Rule | Location | Message |"));
    assert_eq!(
        written
            .lines()
            .filter(|l| l.starts_with("| error ") || l.starts_with("| warning "))
            .count(),
        findings.len(),
        "{written}"
    );
}

#[test]
fn lsp_format_is_publish_diagnostics_params() {
    let (code, stdout) = check(&example(), "lsp", &[]);
    assert_eq!(code, 0);
    let params: Value = serde_json::from_str(&stdout).unwrap();
    let params = params.as_array().expect("an array");
    let (_, json) = support::check_json(&example(), &[]);
    let findings = json["findings"].as_array().unwrap();
    let root = example().canonicalize().unwrap();
    let mut seen = 0;
    for file in params {
        let uri = file["uri"].as_str().unwrap();
        let path = uri.strip_prefix("file://").expect("a file URI");
        let rel = Path::new(path)
            .strip_prefix(&root)
            .expect("an absolute path in the example")
            .to_str()
            .unwrap();
        for diagnostic in file["diagnostics"].as_array().unwrap() {
            seen += 1;
            let start = &diagnostic["range"]["start"];
            let finding = findings
                .iter()
                .find(|f| {
                    f["path"] == rel
                        && f["line"].as_u64() == start["line"].as_u64().map(|l| l + 1)
                        && f["rule"] == diagnostic["code"]
                })
                .unwrap_or_else(|| panic!("no finding for {diagnostic:#}"));
            // ASCII sources: the UTF-16 column is the 0-based character column.
            assert_eq!(
                start["character"].as_u64().unwrap() + 1,
                finding["column"].as_u64().unwrap()
            );
            assert_eq!(diagnostic["source"], "auditlint");
            assert_eq!(
                diagnostic["severity"],
                if finding["severity"] == "error" { 1 } else { 2 }
            );
            assert!(
                diagnostic["codeDescription"]["href"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("/rules/{}.md", finding["rule"].as_str().unwrap()))
            );
            assert_eq!(
                diagnostic["relatedInformation"]
                    .as_array()
                    .map_or(0, Vec::len),
                finding["labels"].as_array().unwrap().len()
            );
        }
    }
    assert_eq!(seen, findings.len());
}

#[test]
fn an_unwritable_step_summary_is_a_warning_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let output = support::auditlint()
        .current_dir(example())
        .args(["check", "--format", "github", "--fail-on", "never"])
        // A directory cannot be appended to.
        .env("GITHUB_STEP_SUMMARY", dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("::error file="));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("auditlint: warning: cannot open GITHUB_STEP_SUMMARY"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
