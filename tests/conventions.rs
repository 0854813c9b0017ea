//! The command-line conventions users of ruff, oxlint and ESLint type without thinking, through
//! the binary: `--quiet`, `--output-file`, `--select`/`--ignore`, `--exclude`, `--statistics`,
//! `auditlint PATH`, exit codes in `check --help`, errors on stderr, nothing to check is exit 2,
//! `--update-baseline` lists what it removed, configuration type errors in the file's words.

mod support;

use std::path::Path;
use std::process::Output;

/// A project with one finding of each of three rules, in two directories.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "auditlint.toml",
        "[rules]\naudit-write-floating = \"warning\"\n",
    );
    write(
        dir.path(),
        "src/purge.ts",
        "export async function purge(db: D1Database) {\n  try {\n    await db.prepare(\"INSERT INTO audit_log (a) VALUES (1)\").run();\n  } catch {}\n}\n",
    );
    write(
        dir.path(),
        "src/float.ts",
        "export function float(db: D1Database) {\n  db.prepare(\"INSERT INTO audit_log (a) VALUES (1)\").run().then(() => 1);\n}\n",
    );
    write(
        dir.path(),
        "legacy/old.ts",
        "export async function old(db: D1Database) {\n  try {\n    await db.prepare(\"INSERT INTO audit_log (a) VALUES (1)\").run();\n  } catch {}\n}\n",
    );
    dir
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> Output {
    support::auditlint()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `(path:line, rule)` of every finding in a JSON report.
fn findings(output: &Output) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", stdout(output), stderr(output)));
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{} {}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["rule"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn quiet_prints_findings_without_the_summary() {
    let temp = project();
    let output = run(temp.path(), &["check", "--quiet", "--color", "never"]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(out.contains("error[audit-error-swallowed]"), "{out}");
    assert!(!out.contains("Found "), "no summary line: {out}");
    let loud = stdout(&run(temp.path(), &["check", "--color", "never"]));
    assert!(loud.contains("Found 3 findings"), "{loud}");
}

#[test]
fn output_file_holds_the_report_and_stdout_stays_empty() {
    let temp = project();
    let output = run(
        temp.path(),
        &["check", "--format", "json", "--output-file", "report.json"],
    );
    assert_eq!(output.status.code(), Some(1), "the exit code still counts");
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
    let text = std::fs::read_to_string(temp.path().join("report.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["summary"]["findings"], 3);
    // `-o` too, with the human format.
    let output = run(
        temp.path(),
        &["check", "-o", "report.txt", "--color", "always"],
    );
    assert!(output.stdout.is_empty());
    let text = std::fs::read_to_string(temp.path().join("report.txt")).unwrap();
    assert!(text.contains("Found 3 findings"), "{text}");
}

#[test]
fn select_and_ignore_choose_the_rules_of_one_run() {
    let temp = project();
    let json = ["check", "--format", "json", "--fail-on", "never"];
    let selected = run(
        temp.path(),
        &[&json[..], &["--select", "audit-write-floating"]].concat(),
    );
    assert_eq!(findings(&selected), ["src/float.ts:2 audit-write-floating"]);
    let ignored = run(
        temp.path(),
        &[
            &json[..],
            &["--ignore", "audit-write-floating,suppression-unused"],
        ]
        .concat(),
    );
    assert_eq!(
        findings(&ignored),
        [
            "legacy/old.ts:4 audit-error-swallowed",
            "src/purge.ts:4 audit-error-swallowed"
        ]
    );
    // Repeated flags add up; the summary counts what is shown; the exit code follows.
    let both = run(
        temp.path(),
        &[
            "check",
            "--format",
            "json",
            "--select",
            "audit-error-swallowed",
            "--select",
            "audit-write-floating",
            "--ignore",
            "audit-error-swallowed",
        ],
    );
    assert_eq!(findings(&both), ["src/float.ts:2 audit-write-floating"]);
    let json: serde_json::Value = serde_json::from_slice(&both.stdout).unwrap();
    assert_eq!(json["summary"]["findings"], 1);
    assert_eq!(
        both.status.code(),
        Some(0),
        "a warning does not fail by default"
    );
    // An unknown rule is a usage error, named on stderr.
    let unknown = run(temp.path(), &["check", "--select", "audit-swallowed"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(unknown.stdout.is_empty());
    assert!(
        stderr(&unknown).contains("unknown rule `audit-swallowed`"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn exclude_skips_files_like_extend_exclude() {
    let temp = project();
    let output = run(
        temp.path(),
        &[
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--exclude",
            "legacy/**",
        ],
    );
    assert_eq!(
        findings(&output),
        [
            "src/float.ts:2 audit-write-floating",
            "src/purge.ts:4 audit-error-swallowed"
        ]
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["summary"]["files_scanned"], 2,
        "excluded files are not scanned"
    );
    let bad = run(temp.path(), &["check", "--exclude", "src/[z-a]"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("--exclude: invalid pattern `src/[z-a]`"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn statistics_counts_findings_per_rule() {
    let temp = project();
    let output = run(temp.path(), &["check", "--statistics"]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(
        out.starts_with(
            "    2  audit-error-swallowed  error\n    1  audit-write-floating   warning\nFound 3 findings"
        ),
        "{out}"
    );
    let json = run(temp.path(), &["check", "--statistics", "--format", "json"]);
    assert_eq!(json.status.code(), Some(2));
    assert!(stderr(&json).contains("--statistics"));
}

#[test]
fn a_path_alone_is_short_for_check() {
    let temp = project();
    let short = run(
        temp.path(),
        &["src", "--format", "json", "--fail-on", "never"],
    );
    let long = run(
        temp.path(),
        &["check", "src", "--format", "json", "--fail-on", "never"],
    );
    assert_eq!(findings(&short), findings(&long));
    assert_eq!(findings(&short).len(), 2);
    let dot = run(temp.path(), &["."]);
    assert_eq!(dot.status.code(), Some(1));
    let flags_first = run(temp.path(), &["--format", "json", "--fail-on", "never"]);
    assert_eq!(findings(&flags_first).len(), 3);
    // A misspelt subcommand is not taken for a path: clap suggests the right one.
    let typo = run(temp.path(), &["chek"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(stderr(&typo).contains("'check'"), "{}", stderr(&typo));
    // `--help` names every language and the shorthand.
    let help = stdout(&run(temp.path(), &["--help"]));
    assert!(
        help.contains("TypeScript, JavaScript, Rust, Go and Python"),
        "{help}"
    );
    assert!(help.contains("auditlint PATH"), "{help}");
}

#[test]
fn check_help_lists_the_exit_codes() {
    let help = stdout(&run(Path::new("."), &["check", "--help"]));
    for line in [
        "Exit status:",
        "0  no finding at or above --fail-on",
        "1  findings at or above --fail-on",
        "2  a usage, configuration or I/O error",
    ] {
        assert!(help.contains(line), "missing `{line}` in:\n{help}");
    }
    for flag in [
        "--quiet",
        "--output-file",
        "--select",
        "--ignore",
        "--exclude",
        "--statistics",
    ] {
        assert!(help.contains(flag), "missing `{flag}` in:\n{help}");
    }
}

#[test]
fn errors_go_to_stderr_and_findings_to_stdout() {
    let temp = project();
    let output = run(temp.path(), &["check", "missing", "--color", "never"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "stdout: {}", stdout(&output));
    assert!(
        stderr(&output).contains("missing: cannot check: No such file or directory"),
        "{}",
        stderr(&output)
    );
    // A file that cannot be parsed, next to findings: the finding on stdout, the error on stderr.
    write(
        temp.path(),
        "src/broken.rs",
        "fn broken( {\n    let _ = sqlx::query(\"INSERT INTO audit_log (a) VALUES (1)\");\n",
    );
    let output = run(temp.path(), &["check", "src", "--color", "never"]);
    assert_eq!(output.status.code(), Some(1));
    let (out, err) = (stdout(&output), stderr(&output));
    assert!(
        out.contains("error[audit-error-swallowed]") && !out.contains("broken.rs"),
        "{out}"
    );
    assert!(
        out.contains("1 file could not be checked"),
        "the summary counts it: {out}"
    );
    assert!(
        err.contains("src/broken.rs: cannot parse this file as Rust"),
        "{err}"
    );
}

#[test]
fn nothing_to_check_exits_2_and_says_so() {
    let temp = tempfile::tempdir().unwrap();
    write(temp.path(), "docs/README.md", "no code here\n");
    std::fs::create_dir(temp.path().join("empty")).unwrap();
    for dir in ["empty", "docs"] {
        let output = run(temp.path(), &["check", dir]);
        assert_eq!(output.status.code(), Some(2), "{dir}");
        assert!(output.stdout.is_empty(), "{dir}: {}", stdout(&output));
        assert!(
            stderr(&output).contains(&format!(
                "nothing to check: no TypeScript, JavaScript, Rust, Go or Python file in `{dir}`"
            )),
            "{}",
            stderr(&output)
        );
    }
    // Everything excluded is nothing checked too.
    let excluded = run(project().path(), &["check", "--exclude", "**/*.ts"]);
    assert_eq!(excluded.status.code(), Some(2));
    // A named file that the configuration excludes (a staged file passed by a pre-commit hook)
    // is a pass, not an error.
    let temp = project();
    write(
        temp.path(),
        "auditlint.toml",
        "[files]\nextend-exclude = [\"legacy/**\"]\n",
    );
    let named = run(temp.path(), &["check", "legacy/old.ts"]);
    assert_eq!(named.status.code(), Some(0), "{}", stderr(&named));
}

#[test]
fn update_baseline_lists_the_entries_it_removes() {
    let temp = project();
    let recorded = run(temp.path(), &["baseline", "baseline.json"]);
    assert_eq!(recorded.status.code(), Some(0), "{}", stderr(&recorded));
    // Fix the floating write.
    write(
        temp.path(),
        "src/float.ts",
        "export async function float(db: D1Database) {\n  await db.prepare(\"INSERT INTO audit_log (a) VALUES (1)\").run();\n}\n",
    );
    let output = run(
        temp.path(),
        &["check", "--baseline", "baseline.json", "--update-baseline"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("removed 1 baseline entry from baseline.json (2 kept)"),
        "{err}"
    );
    assert!(
        err.contains("  audit-write-floating src/float.ts: "),
        "{err}"
    );
}

#[test]
fn configuration_type_errors_say_what_the_key_takes() {
    for (toml, expected) in [
        (
            "[files]\nmax-file-size = \"2MB\"\n",
            "auditlint.toml:2:17: `max-file-size` must be a number of bytes, e.g. 2097152 (2 MiB), not \"2MB\"",
        ),
        (
            "[files]\ncheck-tests = \"yes\"\n",
            "auditlint.toml:2:15: `check-tests` must be true or false, not \"yes\"",
        ),
        (
            "[sinks]\ntables = \"audit_*\"\n",
            "`tables` must be a list of strings, e.g. tables = [\"audit_*\"], not \"audit_*\"",
        ),
        (
            "[sinks]\nextend-tables = [\n  \"a\",\n  1,\n]\n",
            "auditlint.toml:4:3: `extend-tables` must be a list of quoted strings",
        ),
        (
            "[suppressions]\nmin-reason-length = 2.5\n",
            "`min-reason-length` must be a number of characters, e.g. 10, not 2.5",
        ),
        (
            "[rules]\naudit-write-floating = \"warn\"\n",
            "`audit-write-floating`: a rule's level is \"off\", \"warning\" or \"error\", not `warn`",
        ),
    ] {
        let temp = tempfile::tempdir().unwrap();
        write(temp.path(), "auditlint.toml", toml);
        write(temp.path(), "a.ts", "export const a = 1;\n");
        let output = run(temp.path(), &["check"]);
        assert_eq!(output.status.code(), Some(2), "{toml}");
        assert!(output.stdout.is_empty());
        let err = stderr(&output);
        assert!(
            err.contains(expected),
            "{toml}: expected `{expected}` in {err}"
        );
        assert!(
            !err.contains("i64") && !err.contains("invalid type"),
            "{err}"
        );
    }
}
