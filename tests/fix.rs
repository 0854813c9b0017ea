//! `auditlint check --fix [--unsafe-fixes]` through the binary: "surface the failure" applied to
//! TypeScript and Rust projects (`tests/fix/`), which then check clean for those findings and
//! still compile (TypeScript's checker, strict; `rustc`).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auditlint.toml"), "").unwrap();
    support::copy_into(
        &support::repo_root().join("tests/fix").join(name),
        dir.path(),
    );
    dir
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = support::auditlint()
        .current_dir(dir)
        .args(args)
        .arg("--no-cache")
        .output()
        .expect("run auditlint");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// (path, line, rule) of every unsuppressed finding.
fn findings(dir: &Path) -> Vec<(String, u64, String)> {
    let (_, json) = support::check_json(dir, &["--no-cache"]);
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

fn typescript() -> Option<PathBuf> {
    support::external_tool(
        "AUDITLINT_TEST_TYPESCRIPT",
        "target/ci-tools/typescript/node_modules/typescript/lib/typescript.js",
    )
}

/// TypeScript's own checker, strict, over the project's `.ts` files: no diagnostic.
fn assert_typechecks(typescript: &Path, dir: &Path) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ts"))
        .collect();
    files.sort();
    let output = Command::new("node")
        .arg(dir.join("tsc-check.js"))
        .args(&files)
        .env("TYPESCRIPT", typescript)
        .output()
        .expect("run node");
    assert!(
        output.status.success(),
        "TypeScript rejects the files:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `rustc` compiles the crate (metadata only: type and borrow checks, no code generation).
fn assert_compiles(dir: &Path) {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit=metadata",
        ])
        .arg("--crate-name")
        .arg("fixed")
        .arg("--out-dir")
        .arg(out.path())
        .arg(dir.join("src/lib.rs"))
        .output()
        .expect("run rustc");
    assert!(
        output.status.success(),
        "rustc rejects the crate:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn typescript_fixes_surface_the_failure_and_the_code_still_typechecks() {
    let Some(typescript) = typescript() else {
        return;
    };
    let dir = fixture("ts");
    let dir = dir.path();
    assert_typechecks(&typescript, dir);
    let before = findings(dir);
    assert_eq!(
        before
            .iter()
            .filter(|f| f.2 == "audit-error-swallowed")
            .count(),
        9,
        "{before:?}"
    );
    let mode = std::fs::Permissions::from_mode(0o640);
    std::fs::set_permissions(dir.join("without-logger.ts"), mode).unwrap();

    // `--fix` alone applies safe fixes only; there are none, and it says what `--unsafe-fixes`
    // would do.
    let files = [
        "with-logger.ts",
        "without-logger.ts",
        "service.ts",
        "typed.ts",
    ];
    let originals: Vec<String> = files.iter().map(|f| read(dir, f)).collect();
    let (code, stdout, _) = run(dir, &["check", "--fix"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(
            "No safe fixes available; 9 unsafe fixes are available with `--fix --unsafe-fixes` \
             (they change behaviour: each adds a warn-level log of the swallowed error); 9 \
             findings remaining."
        ),
        "{stdout}"
    );
    for (file, original) in files.iter().zip(&originals) {
        assert_eq!(
            &read(dir, file),
            original,
            "{file} changed without --unsafe-fixes"
        );
    }

    let (code, stdout, stderr) = run(dir, &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(
            "Fixed 9 findings in 4 files with unsafe fixes (each adds a warn-level log of the \
             swallowed error: the program's behaviour changed, review the diff); 0 findings \
             remaining."
        ),
        "{stdout}"
    );
    assert_eq!(findings(dir), Vec::new());
    assert_typechecks(&typescript, dir);
    assert_eq!(
        std::fs::metadata(dir.join("without-logger.ts"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640,
        "the file keeps its permissions"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    insta::assert_snapshot!("fix_ts_with_logger", read(dir, "with-logger.ts"));
    insta::assert_snapshot!("fix_ts_without_logger", read(dir, "without-logger.ts"));
    insta::assert_snapshot!("fix_ts_service", read(dir, "service.ts"));
    insta::assert_snapshot!("fix_ts_typed", read(dir, "typed.ts"));

    // Fixed once: a second run has nothing left to do.
    let (code, stdout, _) = run(dir, &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("No fixes available; 0 findings remaining."),
        "{stdout}"
    );
}

#[test]
fn rust_fixes_surface_the_failure_and_the_crate_still_compiles() {
    let dir = fixture("rust");
    let dir = dir.path();
    assert_compiles(dir);
    let before = findings(dir);
    assert_eq!(before.len(), 11, "{before:?}");
    assert!(before.iter().all(|f| f.2 == "audit-error-swallowed"));

    let (code, stdout, stderr) = run(dir, &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Fixed 9 findings in 3 files with unsafe fixes"),
        "{stdout}"
    );
    assert!(stdout.contains("; 2 findings remaining."), "{stdout}");
    // `.unwrap_or_default()` and a statement with an attribute have no sound edit: no fix was
    // offered, the findings stay.
    let after = findings(dir);
    let text = read(dir, "src/audit.rs");
    let lines: Vec<&str> = after
        .iter()
        .map(|f| text.lines().nth(f.1 as usize - 1).unwrap().trim())
        .collect();
    assert_eq!(
        lines,
        [
            "conn.execute(\"INSERT INTO audit_log (actor_id) VALUES (?1)\", [actor]).unwrap_or_default()",
            "#[allow(unused_must_use)]",
        ],
        "{after:?}"
    );
    assert_compiles(dir);
    insta::assert_snapshot!("fix_rust_tracing", read(dir, "src/audit.rs"));
    insta::assert_snapshot!("fix_rust_log", read(dir, "src/logged.rs"));
    insta::assert_snapshot!("fix_rust_eprintln", read(dir, "src/plain.rs"));
}

#[test]
fn fix_output_in_json_keeps_stdout_machine_readable() {
    let dir = fixture("rust");
    let dir = dir.path();
    let (code, stdout, stderr) = run(
        dir,
        &["check", "--fix", "--unsafe-fixes", "--format", "json"],
    );
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(json["findings"].as_array().unwrap().len(), 2);
    assert!(
        stderr.contains("auditlint: Fixed 9 findings in 3 files with unsafe fixes"),
        "{stderr}"
    );
}

#[test]
fn unsafe_fixes_without_fix_is_a_usage_error_and_help_says_they_change_behaviour() {
    let dir = fixture("rust");
    let (code, _, stderr) = run(dir.path(), &["check", "--unsafe-fixes"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--fix"), "{stderr}");
    let help = support::auditlint()
        .args(["check", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--unsafe-fixes"), "{help}");
    assert!(help.contains("CHANGE BEHAVIOUR"), "{help}");
}

#[test]
fn fixes_that_touch_each_other_are_applied_one_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("auditlint.toml"), "").unwrap();
    std::fs::copy(
        support::repo_root().join("tests/fix/ts/db.ts"),
        dir.join("db.ts"),
    )
    .unwrap();
    // The outer handler's body holds the inner handler: the outer fix rewrites that body.
    std::fs::write(
        dir.join("nested.ts"),
        "import type { Db } from \"./db\";\n\nexport function nested(db: Db): Promise<unknown> {\n  return db.prepare(\"INSERT INTO audit_logs (a) VALUES (1)\").run().catch(() => db.prepare(\"INSERT INTO audit_logs (a) VALUES (2)\").run().catch(() => null));\n}\n",
    )
    .unwrap();
    assert_eq!(findings(dir).len(), 2);
    let (code, stdout, _) = run(dir, &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(
            "Fixed 1 finding in 1 file with unsafe fixes (each adds a warn-level log of the \
             swallowed error: the program's behaviour changed, review the diff); 1 finding \
             remaining. 1 fix was left out because it touched text another fix changed: run \
             `--fix` again."
        ),
        "{stdout}"
    );
    let (code, stdout, _) = run(dir, &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("Fixed 1 finding in 1 file"), "{stdout}");
    assert_eq!(findings(dir), Vec::new());
    insta::assert_snapshot!("fix_ts_nested", read(dir, "nested.ts"));
}

/// Go findings carry Go advice and never a TypeScript or Rust code edit: `--fix` leaves a Go
/// file byte for byte as it was, and the finding stays.
#[test]
fn go_findings_get_no_code_edit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auditlint.toml"), "").unwrap();
    let source = "package purge\n\nimport (\n\t\"database/sql\"\n\t\"log/slog\"\n)\n\nvar _ = slog.Warn\n\nfunc purge(db *sql.DB, user string) {\n\tif _, err := db.Exec(\"INSERT INTO staff_audit_logs (user_id) VALUES ($1)\", user); err != nil {\n\t}\n}\n";
    std::fs::write(dir.path().join("purge.go"), source).unwrap();
    let (_, json) = support::check_json(dir.path(), &["--no-cache"]);
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{json:#}");
    assert!(
        findings[0].get("fix").is_none_or(|f| f.is_null()),
        "{json:#}"
    );
    let help = findings[0]["help"].as_str().unwrap();
    assert!(
        help.contains("slog.Warn")
            && !help.contains("tracing::")
            && !help.contains("logger.warn({"),
        "{help}"
    );
    let (code, _, _) = run(dir.path(), &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(code, 1);
    assert_eq!(read(dir.path(), "purge.go"), source);
    assert_eq!(findings_count(dir.path()), 1);
}

fn findings_count(dir: &Path) -> usize {
    findings(dir).len()
}

/// Python findings get no fix: "surface the failure" writes TypeScript or Rust, and a Python
/// handler records no edit site. `--fix --unsafe-fixes` leaves the file as it was, byte for byte,
/// and the finding stays.
#[test]
fn python_findings_get_no_typescript_or_rust_fix() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auditlint.toml"), "").unwrap();
    let source = "import logging\n\nlogger = logging.getLogger(__name__)\n\n\ndef purge(cur, user):\n    try:\n        cur.execute(\"INSERT INTO staff_audit_logs (user_id) VALUES (%s)\", (user,))\n    except Exception:\n        pass\n";
    std::fs::write(dir.path().join("purge.py"), source).unwrap();
    let (_, json) = support::check_json(dir.path(), &["--no-cache"]);
    let finding = &json["findings"][0];
    assert_eq!(finding["rule"], "audit-error-swallowed", "{json:#}");
    assert!(finding.get("fix").is_none_or(|f| f.is_null()), "{json:#}");
    let help = finding["help"].as_str().unwrap();
    assert!(
        help.contains("logger.warning")
            && !help.contains("tracing::")
            && !help.contains("logger.warn({"),
        "{help}"
    );
    run(dir.path(), &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(read(dir.path(), "purge.py"), source);
    assert_eq!(
        findings(dir.path()),
        [(
            "purge.py".to_string(),
            9,
            "audit-error-swallowed".to_string()
        )]
    );
}
