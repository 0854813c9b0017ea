//! The evidence exports: `auditlint inventory` on a monorepo that has every way of handling an
//! audit write's failure, and `auditlint suppressions` over the suppression fixtures, in every
//! format. Snapshots show how they read; the assertions say what must be in them.

mod support;

use std::path::Path;

use serde_json::Value;

/// Today, fixed so the documents' dates are stable; a temp dir is not a git checkout, so no
/// commit line.
const TODAY: &str = "2026-01-15";

fn monorepo() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    support::copy_into(
        &support::repo_root().join("tests/evidence/monorepo"),
        temp.path(),
    );
    temp
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = support::auditlint()
        .current_dir(dir)
        .env("AUDITLINT_TODAY", TODAY)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
    )
}

#[test]
fn inventory_covers_every_outcome() {
    let temp = monorepo();
    let (code, text) = run(temp.path(), &["inventory", "--format", "json"]);
    assert_eq!(code, 0, "an export does not fail on findings");
    let json: Value = serde_json::from_str(&text).unwrap();
    let sites = json["sites"].as_array().unwrap();
    for handling in [
        "propagated",
        "surfaced",
        "recorded",
        "returned-error",
        "checked",
        "delegated",
        "passed-on",
        "swallowed",
        "floating",
        "unchecked",
        "suppressed",
    ] {
        assert!(
            sites.iter().any(|s| s["handling"] == handling),
            "no `{handling}` site:\n{text}"
        );
        assert!(json["totals"][handling].as_u64().unwrap() > 0, "{handling}");
    }
    let suppressed = sites
        .iter()
        .find(|s| s["handling"] == "suppressed")
        .unwrap();
    assert_eq!(suppressed["rule"], "audit-error-swallowed");
    assert!(
        suppressed["suppressed"]["reason"]
            .as_str()
            .unwrap()
            .contains("OPS-77")
    );
    assert!(
        json.get("commit").is_some_and(Value::is_null),
        "not a git checkout"
    );
    let callers = json["flag_producers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["callers"].as_array().unwrap().clone())
        .collect::<Vec<_>>();
    assert!(callers.iter().any(|c| c["reads_flag"] == true));
    assert!(
        callers
            .iter()
            .any(|c| c["reads_flag"] == false && c["rule"] == "audit-flag-discarded")
    );
    insta::assert_snapshot!("inventory_json", text);
}

/// A Supabase write whose `{ error }` is read and thrown inside its `try`: the inventory says
/// what `check` says of it (swallowed by an empty catch, surfaced by one that logs), and a value
/// read and not thrown stays "checked".
#[test]
fn inventory_and_check_agree_on_a_failure_value_thrown_into_a_catch() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("auditlint.toml"), "").unwrap();
    std::fs::copy(
        support::repo_root().join("fixtures/audit-error-swallowed/supabase-error-thrown.ts"),
        temp.path().join("audit.ts"),
    )
    .unwrap();
    let (_, text) = run(temp.path(), &["inventory", "--format", "json"]);
    let json: Value = serde_json::from_str(&text).unwrap();
    let mut handling: Vec<(String, String, Value)> = json["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["function"].as_str().unwrap_or("").to_string(),
                s["handling"].as_str().unwrap().to_string(),
                s["rule"].clone(),
            )
        })
        .collect();
    handling.sort_by(|a, b| a.0.cmp(&b.0));
    let swallowed = Value::from("audit-error-swallowed");
    assert_eq!(
        handling,
        [
            ("readNotThrown".into(), "checked".into(), Value::Null),
            ("resultDataThrown".into(), "checked".into(), Value::Null),
            (
                "resultErrorThrown".into(),
                "swallowed".into(),
                swallowed.clone()
            ),
            ("thrownAndLogged".into(), "surfaced".into(), Value::Null),
            ("thrownLater".into(), "checked".into(), Value::Null),
            (
                "updateInvoice".into(),
                "swallowed".into(),
                swallowed.clone()
            ),
            ("writeAdminAuditLog".into(), "swallowed".into(), swallowed),
        ],
        "{text}"
    );
    let (_, report) = support::check_json(temp.path(), &[]);
    let lines: Vec<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [11, 22, 57], "{report}");
}

#[test]
fn inventory_markdown_and_csv() {
    let temp = monorepo();
    let (_, markdown) = run(temp.path(), &["inventory"]);
    assert!(markdown.starts_with("# Audit-write coverage inventory\n"));
    assert!(markdown.contains(&format!("- Date: {TODAY}")));
    assert!(!markdown.contains("Commit:"), "no commit outside git");
    insta::assert_snapshot!("inventory_markdown", markdown);
    let (_, csv) = run(temp.path(), &["inventory", "--format", "csv"]);
    insta::assert_snapshot!("inventory_csv", csv);
}

#[test]
fn inventory_names_the_commit_in_a_git_checkout() {
    let temp = monorepo();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .current_dir(temp.path())
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if !(git(&["init", "-q"]) && git(&["add", "."]) && git(&["commit", "-qm", "x"])) {
        eprintln!("git is not available; skipped");
        return;
    }
    let (_, markdown) = run(temp.path(), &["inventory"]);
    let line = markdown
        .lines()
        .find(|l| l.starts_with("- Commit: `"))
        .expect("a commit line");
    assert_eq!(line.len(), "- Commit: ``".len() + 40, "{line}");
}

/// The suppression fixtures as one project: valid, weak, unknown-rule, expired and unused.
fn suppression_project() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("auditlint.toml"), "").unwrap();
    for rule in ["suppression-invalid", "suppression-unused"] {
        let dir = temp.path().join(rule);
        std::fs::create_dir_all(&dir).unwrap();
        support::copy_into(&support::repo_root().join("fixtures").join(rule), &dir);
    }
    temp
}

#[test]
fn suppressions_export_in_every_format() {
    let temp = suppression_project();
    let (code, json_text) = run(temp.path(), &["suppressions", "--format", "json"]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&json_text).unwrap();
    let records = json["suppressions"].as_array().unwrap();
    let status = |s: &str| records.iter().filter(|r| r["status"] == s).count();
    assert!(status("valid") >= 3 && status("invalid") >= 4 && status("expired") == 1);
    assert!(
        records
            .iter()
            .any(|r| r["status"] == "valid" && r["matched"] == false),
        "an unused suppression is exported as valid and unmatched"
    );
    assert_eq!(json["totals"]["expired"], 1);
    insta::assert_snapshot!("suppressions_json", json_text);
    let (_, markdown) = run(temp.path(), &["suppressions"]);
    assert!(markdown.contains(&format!("Date: {TODAY}")));
    insta::assert_snapshot!("suppressions_markdown", markdown);
    let (_, csv) = run(temp.path(), &["suppressions", "--format", "csv"]);
    assert!(
        csv.starts_with("path,line,scope,rules,reason,until,status,matched,findings,problems\n")
    );
    // A reason with a comma is quoted, not split.
    assert!(
        csv.contains("\"fire-and-forget beacons, replayed from the queue\""),
        "{csv}"
    );
    insta::assert_snapshot!("suppressions_csv", csv);
}

#[test]
fn suppressed_findings_are_in_json_counted_and_never_fail_the_run() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("auditlint.toml"), "").unwrap();
    support::copy_into(
        &support::repo_root().join("fixtures/suppression-invalid/valid.ts"),
        temp.path(),
    );
    let (_, json) = support::check_json(temp.path(), &[]);
    assert_eq!(json["summary"]["findings"], 0);
    assert_eq!(json["summary"]["suppressed"], 2);
    let finding = &json["findings"][0];
    assert_eq!(finding["suppressed"]["line"], 11);
    assert!(
        finding["suppressed"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("the nightly replay job")
    );
    assert!(json.get("baselined").is_none() && json["summary"].get("baselined").is_none());
    let output = support::auditlint()
        .current_dir(temp.path())
        .args(["check", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "suppressed findings never fail"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("No findings in 1 file scanned"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with(", 2 suppressed."), "{stdout}");
}

#[test]
fn min_reason_length_is_configurable() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(
        temp.path().join("auditlint.toml"),
        "[suppressions]\nmin-reason-length = 200\n",
    )
    .unwrap();
    support::copy_into(
        &support::repo_root().join("fixtures/suppression-invalid/valid.ts"),
        temp.path(),
    );
    let (_, json) = support::check_json(temp.path(), &[]);
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("suppressed").is_none())
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules
            .iter()
            .filter(|r| **r == "suppression-invalid")
            .count(),
        2,
        "{json:#}"
    );
    assert_eq!(json["summary"]["suppressed"], 0);
}

#[test]
fn a_bad_auditlint_today_is_a_usage_error() {
    let temp = monorepo();
    let output = support::auditlint()
        .current_dir(temp.path())
        .env("AUDITLINT_TODAY", "tomorrow")
        .args(["check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("AUDITLINT_TODAY"));
}
