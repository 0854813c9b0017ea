//! The binary's interface: subcommands, formats, exit codes, determinism, path scoping.

mod support;

use serde_json::Value;

fn example() -> std::path::PathBuf {
    support::repo_root().join("examples/saas-monorepo")
}

fn without_elapsed(mut json: Value) -> Value {
    json["summary"]["elapsed_ms"] = Value::from(0);
    json
}

#[test]
fn the_example_reports_the_incident_and_exits_1() {
    let output = support::auditlint()
        .current_dir(example())
        .args(["check", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Normalise the timing so the snapshot shows how the report reads, not how fast it ran.
    let stable: String = stdout
        .lines()
        .map(|l| match l.find(" in ") {
            Some(at) if l.starts_with("Found ") || l.starts_with("No findings") => {
                let (head, tail) = l.split_at(at);
                let tail = tail
                    .rsplit_once(", in ")
                    .map_or(tail.to_string(), |(t, _)| format!("{t}, in <elapsed>."));
                format!("{head}{tail}")
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("example_human", stable);
    assert!(
        !stdout.contains('\u{1b}'),
        "--color never prints no escapes"
    );
}

#[test]
fn json_is_identical_for_any_thread_count() {
    let (_, one) = support::check_json(&example(), &["--threads", "1"]);
    let (_, two) = support::check_json(&example(), &["--threads", "2"]);
    let (_, eight) = support::check_json(&example(), &["--threads", "8"]);
    assert_eq!(without_elapsed(one.clone()), without_elapsed(two));
    assert_eq!(without_elapsed(one.clone()), without_elapsed(eight));
    let findings = one["findings"].as_array().unwrap();
    let keys: Vec<(String, u64, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        keys, sorted,
        "findings are sorted by path, line, column, rule"
    );
}

#[test]
fn json_follows_the_contract() {
    let (code, json) = support::check_json(&example(), &[]);
    assert_eq!(code, 0, "--fail-on never");
    assert_eq!(json["version"], 1);
    assert_eq!(json["tool"]["name"], "auditlint");
    let summary = &json["summary"];
    for key in [
        "files_scanned",
        "files_parsed",
        "findings",
        "suppressed",
        "errors",
        "elapsed_ms",
    ] {
        assert!(summary[key].is_u64(), "summary.{key}");
    }
    // 12 TypeScript and Rust files, the Go service's 2 and the Python billing service's 3.
    assert_eq!(summary["files_scanned"], 17);
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["rule"] == "audit-error-swallowed" && f["path"] == "workers/src/routes/cache-purge.ts"
        })
        .expect("the incident");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(9), Some(5))
    );
    assert_eq!(finding["severity"], "error");
    let labels = finding["labels"].as_array().unwrap();
    assert!(labels.iter().any(|l| {
        l["path"] == "workers/src/lib/audit.ts"
            && l["message"]
                .as_str()
                .unwrap()
                .contains("`staff_audit_logs`")
    }));
    assert_eq!(finding["fingerprint"].as_str().unwrap().len(), 16);
    // The configured level is the reported severity.
    let floating = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "audit-write-floating")
        .unwrap();
    assert_eq!(floating["severity"], "warning");
    // The Rust service's two incidents, with their wrapper and producer in other files.
    let rust: Vec<(&str, u64, &str)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with(".rs"))
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rust,
        [
            ("services/tiers/src/purge.rs", 8, "audit-error-swallowed"),
            ("services/tiers/src/tiers.rs", 26, "audit-flag-discarded"),
        ]
    );
    // The Python service's swallowed refund audit write, through its wrapper in another module;
    // its fail-open twin that surfaces and flags the failure is clean.
    let python: Vec<(&str, u64, &str)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with(".py"))
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        python,
        [(
            "services/billing/billing/refunds.py",
            14,
            "audit-error-swallowed"
        )]
    );
}

#[test]
fn paths_are_relative_to_the_current_directory() {
    let root = support::repo_root();
    let (_, json) = support::check_json(&root, &["examples/saas-monorepo"]);
    let paths: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"examples/saas-monorepo/workers/src/routes/cache-purge.ts"),
        "{paths:?}"
    );
}

#[test]
fn fail_on_decides_the_exit_code() {
    let dir = example();
    let run = |fail_on: &str| {
        support::auditlint()
            .current_dir(&dir)
            .args(["check", "--format", "json", "--fail-on", fail_on])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run("error"), Some(1));
    assert_eq!(run("warning"), Some(1));
    assert_eq!(run("never"), Some(0));
    // Only a warning left: `--fail-on error` passes, `--fail-on warning` fails.
    let output = support::auditlint()
        .current_dir(&dir)
        .args(["check", "workers/src/routes/roles.ts", "--fail-on", "error"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let output = support::auditlint()
        .current_dir(&dir)
        .args([
            "check",
            "workers/src/routes/roles.ts",
            "--fail-on",
            "warning",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_file_path_is_checked_with_its_whole_project_indexed() {
    // The wrapper lives in another file: passing only the route still finds the incident.
    let (_, json) = support::check_json(&example(), &["workers/src/routes/cache-purge.ts"]);
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{json:#}");
    assert_eq!(findings[0]["rule"], "audit-error-swallowed");
    assert_eq!(json["summary"]["files_scanned"], 1);
}

#[test]
fn a_clean_tree_exits_0_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auditlint.toml"), "").unwrap();
    std::fs::write(dir.path().join("a.ts"), "export const a = 1;\n").unwrap();
    let output = support::auditlint()
        .current_dir(dir.path())
        .args(["check", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("No findings in 1 file scanned, 0 parsed"),
        "{stdout}"
    );
}

#[test]
fn rules_and_explain() {
    let output = support::auditlint().arg("rules").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for rule in [
        "audit-error-swallowed",
        "audit-result-unchecked",
        "audit-write-floating",
    ] {
        assert!(stdout.lines().any(|l| l.starts_with(rule)), "{stdout}");
        let doc = support::auditlint()
            .args(["explain", rule])
            .output()
            .unwrap();
        assert!(doc.status.success());
        let text = String::from_utf8_lossy(&doc.stdout);
        assert!(text.starts_with(&format!("# {rule}")), "{text}");
    }
    let unknown = support::auditlint()
        .args(["explain", "no-such-rule"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("known rules: audit-error-swallowed")
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["check", "--format", "xml"][..],
        &["check", "--threads", "0"],
        &["frobnicate"],
    ] {
        let output = support::auditlint().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn config_turns_rules_off_and_extends_the_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.ts"),
        "export async function f(db: D1Database) {\n  try {\n    await db.prepare(\"INSERT INTO compliance_rows (a) VALUES (1)\").run();\n  } catch {}\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("auditlint.toml"), "").unwrap();
    let (_, json) = support::check_json(dir.path(), &[]);
    assert_eq!(
        json["findings"].as_array().unwrap().len(),
        0,
        "not an audit table by default"
    );
    std::fs::write(
        dir.path().join("auditlint.toml"),
        "[sinks]\nextend-tables = [\"compliance_*\"]\n",
    )
    .unwrap();
    let (_, json) = support::check_json(dir.path(), &[]);
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    std::fs::write(
        dir.path().join("auditlint.toml"),
        "[sinks]\nextend-tables = [\"compliance_*\"]\n[rules]\naudit-error-swallowed = \"off\"\n",
    )
    .unwrap();
    let (_, json) = support::check_json(dir.path(), &[]);
    assert_eq!(json["findings"].as_array().unwrap().len(), 0);
    // `--config` names the file explicitly.
    let other = dir.path().join("strict.toml");
    std::fs::write(&other, "[sinks]\nextend-tables = [\"compliance_*\"]\n").unwrap();
    let (_, json) = support::check_json(dir.path(), &["--config", "strict.toml"]);
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    // Excluded paths are not checked.
    std::fs::write(
        &other,
        "[sinks]\nextend-tables = [\"compliance_*\"]\n[files]\nextend-exclude = [\"a.ts\"]\n",
    )
    .unwrap();
    let (_, json) = support::check_json(dir.path(), &["--config", "strict.toml"]);
    assert_eq!(json["summary"]["files_scanned"], 0);
}

/// Two projects side by side, each with its own `auditlint.toml` (the second makes
/// `compliance_*` an audit table), each with one swallowed insert.
fn two_projects() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (project, config, table) in [
        ("one", "", "audit_log"),
        (
            "two",
            "[sinks]\nextend-tables = [\"compliance_*\"]\n",
            "compliance_rows",
        ),
    ] {
        std::fs::create_dir(dir.path().join(project)).unwrap();
        std::fs::write(dir.path().join(project).join("auditlint.toml"), config).unwrap();
        std::fs::write(
            dir.path().join(project).join("a.ts"),
            format!("export async function f(db: D1Database) {{\n  try {{\n    await db.prepare(\"INSERT INTO {table} (a) VALUES (1)\").run();\n  }} catch {{}}\n}}\n"),
        )
        .unwrap();
    }
    dir
}

#[test]
fn paths_in_several_projects_are_each_checked_with_their_own_configuration() {
    let dir = two_projects();
    let (code, json) = support::check_json(dir.path(), &["one/a.ts", "two/a.ts"]);
    assert_eq!(code, 0, "{json:#}");
    let paths: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["one/a.ts", "two/a.ts"], "{json:#}");
    assert_eq!(json["summary"]["findings"], 2);
    assert_eq!(json["summary"]["files_scanned"], 2);
    assert_eq!(json["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn a_baseline_across_several_projects_is_refused() {
    let dir = two_projects();
    let output = support::auditlint()
        .current_dir(dir.path())
        .args(["baseline", "base.json", "one/a.ts", "two/a.ts"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("several projects"), "{stderr}");
    assert!(!dir.path().join("base.json").exists());
}

/// Labels name the real write: the wrapper call, and the syntactic `INSERT` at the end of a
/// chain of wrappers — never a mapper called on the way; one catch swallowing two writes is one
/// finding with a label on each.
#[test]
fn labels_point_at_the_syntactic_write_and_one_finding_per_handler() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("auditlint.toml"), "").expect("config");
    std::fs::write(
        dir.path().join("store.ts"),
        "export async function insertRow(db: D1Database, row: unknown) {\n\
         \x20 await db.prepare(\"INSERT INTO staff_audit_logs (row) VALUES (?)\").bind(row).run();\n\
         }\n\
         export function toAuditRow(action: string) {\n\
         \x20 return { action };\n\
         }\n",
    )
    .expect("store.ts");
    std::fs::write(
        dir.path().join("service.ts"),
        "import { insertRow, toAuditRow } from \"./store\";\n\
         export async function recordAction(db: D1Database, action: string) {\n\
         \x20 await insertRow(db, toAuditRow(action));\n\
         }\n",
    )
    .expect("service.ts");
    std::fs::write(
        dir.path().join("route.ts"),
        "import { recordAction } from \"./service\";\n\
         export async function purge(db: D1Database) {\n\
         \x20 try {\n\
         \x20   await recordAction(db, \"purge\");\n\
         \x20   await db.prepare(\"INSERT INTO security_events (kind) VALUES ('purge')\").run();\n\
         \x20 } catch {}\n\
         }\n",
    )
    .expect("route.ts");
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(
        code, 0,
        "`check_json` runs with `--fail-on never`: {json:#}"
    );
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "one finding for the one catch: {json:#}");
    let finding = &findings[0];
    assert_eq!(finding["path"], "route.ts");
    assert_eq!(finding["line"], 6);
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`staff_audit_logs`") && message.contains("`security_events`"),
        "{message}"
    );
    let labels: Vec<(String, u64)> = finding["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| {
            (
                l["path"].as_str().unwrap_or_default().to_string(),
                l["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        labels,
        vec![
            ("route.ts".to_string(), 4),
            ("store.ts".to_string(), 2),
            ("route.ts".to_string(), 5),
        ],
        "the wrapper call, the INSERT at the end of the chain, the direct write: {json:#}"
    );
}

/// A swallowed D1 audit insert, as a file's whole text.
fn swallowed_insert(function: &str) -> String {
    format!(
        "export async function {function}(db: D1Database) {{\n  try {{\n    await db.prepare(\"INSERT INTO audit_log (a) VALUES (1)\").run();\n  }} catch {{}}\n}}\n"
    )
}

/// A project with a swallowed insert in source, and the same in test, bench and example code.
fn project_with_tests() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auditlint.toml"), "").unwrap();
    for (path, function) in [
        ("src/audit.ts", "record"),
        ("src/audit.test.ts", "recordInTest"),
        ("src/__tests__/helpers.ts", "recordInHelper"),
        ("tests/e2e.spec.ts", "recordInSpec"),
        ("examples/demo.ts", "recordInExample"),
        ("benches/bench.rs", ""),
    ] {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let text = if path.ends_with(".rs") {
            "fn f(pool: &PgPool) {\n    let _ = sqlx::query(\"INSERT INTO audit_log (a) VALUES (1)\").execute(pool);\n}\n".to_string()
        } else {
            swallowed_insert(function)
        };
        std::fs::write(file, text).unwrap();
    }
    dir
}

fn finding_paths(json: &Value) -> Vec<&str> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect()
}

#[test]
fn test_bench_and_example_code_is_skipped_by_default_and_counted() {
    let dir = project_with_tests();
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(finding_paths(&json), ["src/audit.ts"], "{json:#}");
    assert_eq!(json["summary"]["skipped_tests"], 5, "{json:#}");
    assert_eq!(json["summary"]["files_scanned"], 1, "{json:#}");
    assert_eq!(json["errors"].as_array().unwrap().len(), 0);
    let output = support::auditlint()
        .current_dir(dir.path())
        .args(["check", "--color", "never", "--verbose"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(", 5 test files skipped (`check-tests`)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("skipped: src/audit.test.ts: test, bench or example code"),
        "{stdout}"
    );
}

#[test]
fn check_tests_true_checks_test_code() {
    let dir = project_with_tests();
    std::fs::write(
        dir.path().join("auditlint.toml"),
        "[files]\ncheck-tests = true\n",
    )
    .unwrap();
    let (_, json) = support::check_json(dir.path(), &[]);
    assert_eq!(
        finding_paths(&json),
        [
            "benches/bench.rs",
            "examples/demo.ts",
            "src/__tests__/helpers.ts",
            "src/audit.test.ts",
            "src/audit.ts",
            "tests/e2e.spec.ts"
        ],
        "{json:#}"
    );
    assert_eq!(json["summary"]["skipped_tests"], 0);
}

#[test]
fn test_code_named_on_the_command_line_is_checked() {
    let dir = project_with_tests();
    // A staged test file, as the pre-commit hook passes it.
    let (_, json) = support::check_json(dir.path(), &["src/audit.test.ts"]);
    assert_eq!(finding_paths(&json), ["src/audit.test.ts"], "{json:#}");
    assert_eq!(json["summary"]["skipped_tests"], 0, "{json:#}");
    // A test directory named explicitly.
    let (_, json) = support::check_json(dir.path(), &["tests"]);
    assert_eq!(finding_paths(&json), ["tests/e2e.spec.ts"], "{json:#}");
    // A source directory: the tests inside it are still skipped.
    let (_, json) = support::check_json(dir.path(), &["src"]);
    assert_eq!(finding_paths(&json), ["src/audit.ts"], "{json:#}");
    assert_eq!(json["summary"]["skipped_tests"], 2, "{json:#}");
}

#[test]
fn generated_code_is_skipped_counted_and_listed_with_verbose() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auditlint.toml"), "").unwrap();
    std::fs::create_dir_all(dir.path().join("packages/ui/dist")).unwrap();
    std::fs::create_dir_all(dir.path().join("public/_next/static/chunks")).unwrap();
    let swallowed = swallowed_insert("record");
    for path in [
        "packages/ui/dist/index.js",
        "public/_next/static/chunks/main.js",
        "vendor/audit.min.js",
    ] {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, &swallowed).unwrap();
    }
    std::fs::write(
        dir.path().join("client.ts"),
        format!("// @generated by openapi-typescript\n{swallowed}"),
    )
    .unwrap();
    let minified = format!("{};\n", swallowed.replace('\n', " ").repeat(20));
    std::fs::write(dir.path().join("bundle.js"), minified).unwrap();
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 0, "never an error: {json:#}");
    assert_eq!(json["summary"]["skipped_generated"], 5, "{json:#}");
    assert_eq!(
        json["summary"]["files_scanned"], 0,
        "never parsed: {json:#}"
    );
    assert!(finding_paths(&json).is_empty(), "{json:#}");
    let output = support::auditlint()
        .current_dir(dir.path())
        .args(["check", "--color", "never", "--verbose"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in [
        "skipped: bundle.js: minified",
        "skipped: client.ts: generated (an `@generated` header)",
        "skipped: packages/ui/dist/index.js: in a build output directory (`dist/`)",
        "skipped: public/_next/static/chunks/main.js: in a build output directory (`_next/`)",
        "skipped: vendor/audit.min.js: a minified file (`*.min.*`)",
        ", 5 files skipped as generated.",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in:\n{stdout}");
    }
}

/// A table glob too short to prefilter on (`tx`, `*`) lets every file through: the file that
/// inserts into it is parsed and its swallow found, though it never says "audit".
#[test]
fn short_table_globs_do_not_defeat_the_prefilter() {
    for tables in ["extend-tables = [\"tx\"]", "tables = [\"*\"]"] {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("auditlint.toml"),
            format!("[sinks]\n{tables}\n"),
        )
        .expect("config");
        std::fs::write(
            dir.path().join("pay.ts"),
            "export async function pay(env: Env) {\n  try {\n    await env.DB.prepare(\"INSERT INTO tx (a) VALUES (1)\").run();\n  } catch {}\n}\n",
        )
        .expect("pay.ts");
        let (_, json) = support::check_json(dir.path(), &[]);
        let lines: Vec<u64> = json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["line"].as_u64())
            .collect();
        assert_eq!(lines, [4], "{tables}: {json:#}");
    }
}

/// A run that cannot start still gives a JSON consumer the contract on stdout: version, tool,
/// a summary counting the error, and the error itself (the message also goes to stderr).
#[test]
fn json_consumers_get_the_contract_when_the_run_cannot_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("auditlint.toml"), "[sinks]\ntables = 3\n").expect("config");
    std::fs::write(dir.path().join("a.ts"), "export const a = 1;\n").expect("a.ts");
    std::fs::write(dir.path().join("good.toml"), "").expect("good.toml");
    std::fs::write(dir.path().join("broken.json"), "{ not json").expect("broken.json");
    for (args, path, needle) in [
        (
            &["check", "--format", "json", "."][..],
            "auditlint.toml",
            "invalid configuration",
        ),
        (
            &[
                "check",
                "--format",
                "json",
                "--config",
                "good.toml",
                "--baseline",
                "broken.json",
                ".",
            ][..],
            "broken.json",
            "cannot use the baseline",
        ),
        (
            &["check", "--format", "json", "--select", "no-such-rule", "."][..],
            ".",
            "unknown rule",
        ),
    ] {
        let out = support::auditlint()
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let json: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON ({e}): {stdout}"));
        assert_eq!(json["version"], 1, "{json:#}");
        assert_eq!(json["tool"]["name"], "auditlint", "{json:#}");
        assert_eq!(json["summary"]["errors"], 1, "{json:#}");
        assert_eq!(
            json["findings"].as_array().map(Vec::len),
            Some(0),
            "{json:#}"
        );
        assert_eq!(json["errors"][0]["path"], path, "{json:#}");
        let message = json["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{args:?}: {message}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(needle),
            "the message goes to stderr too"
        );
    }
}
