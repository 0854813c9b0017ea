//! Bad input never crashes and never goes quiet: each case gets a clear message naming the
//! file, the run goes on for everything else, and the exit code says an error happened.

mod support;

use serde_json::Value;

/// A project with one swallowed audit write, so every test also proves the run went on.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("auditlint.toml"), "").expect("config");
    std::fs::write(
        dir.path().join("good.ts"),
        "export async function f(db: D1Database) {\n  try {\n    await db.prepare(\"INSERT INTO audit_log (a) VALUES (1)\").run();\n  } catch {}\n}\n",
    )
    .expect("good.ts");
    dir
}

fn errors_for<'a>(json: &'a Value, path: &str) -> Vec<&'a str> {
    json["errors"]
        .as_array()
        .expect("errors array")
        .iter()
        .filter(|e| e["path"] == path)
        .filter_map(|e| e["message"].as_str())
        .collect()
}

fn still_found_the_good_file(json: &Value) {
    let findings = json["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["path"] == "good.ts" && f["rule"] == "audit-error-swallowed"),
        "the rest of the run must go on: {json:#}"
    );
}

#[test]
fn syntax_errors_are_reported_and_what_parsed_is_analysed() {
    let dir = project();
    std::fs::write(
        dir.path().join("broken.ts"),
        "export async function g(db: D1Database) {\n  try {\n    await db.prepare(\"INSERT INTO audit_log (a) VALUES (1)\").run();\n  } catch {}\n}\nconst x = {{{ ;\n",
    )
    .unwrap();
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 2, "errors make the exit code 2 under --fail-on never");
    let errors = errors_for(&json, "broken.ts");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("syntax error at line 6") && e.contains("partially parsed")),
        "{errors:?}"
    );
    let findings = json["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["path"] == "broken.ts" && f["line"] == 4),
        "{json:#}"
    );
    still_found_the_good_file(&json);
}

#[test]
fn non_utf8_and_binary_files_are_reported_and_skipped() {
    let dir = project();
    std::fs::write(
        dir.path().join("latin1.ts"),
        b"// audit \xe9t\xe9\nexport const x = 1;\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("blob.js"), b"audit\x00\x01\x02\x03").unwrap();
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        errors_for(&json, "latin1.ts")
            .iter()
            .any(|e| e.contains("not valid UTF-8") && e.contains("line 1"))
    );
    assert!(
        errors_for(&json, "blob.js")
            .iter()
            .any(|e| e.contains("binary"))
    );
    still_found_the_good_file(&json);
}

#[test]
fn huge_files_are_skipped_with_a_message_and_huge_bundles_as_generated() {
    let dir = project();
    let line = "var a=function(){return auditLog.create({})};".repeat(60_000);
    assert!(line.len() > 2 * 1024 * 1024);
    // A minified bundle, whatever its name, is generated code: skipped, counted, no error.
    std::fs::write(dir.path().join("bundle.mjs"), &line).unwrap();
    let lines = "var a = function () { return auditLog.create({}); };\n".repeat(50_000);
    std::fs::write(dir.path().join("huge.mjs"), &lines).unwrap();
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(errors_for(&json, "bundle.mjs").is_empty(), "{json:#}");
    assert_eq!(json["summary"]["skipped_generated"], 1, "{json:#}");
    let errors = errors_for(&json, "huge.mjs");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("over the 2097152-byte limit")),
        "{errors:?}"
    );
    still_found_the_good_file(&json);

    // The limit is configurable.
    std::fs::write(
        dir.path().join("auditlint.toml"),
        "[files]\nmax-file-size = 10\n",
    )
    .unwrap();
    let (_, json) = support::check_json(dir.path(), &[]);
    assert!(
        errors_for(&json, "good.ts")
            .iter()
            .any(|e| e.contains("over the 10-byte limit"))
    );
}

#[test]
fn deep_nesting_never_overflows_the_stack() {
    let dir = project();
    let n = 100_000;
    // One bracket a line: on one line these would be recognised as minified code and skipped.
    let parens = format!("const audit = {}1{};\n", "(\n".repeat(n), ")\n".repeat(n));
    let blocks = format!(
        "function logAudit() {}{}\n",
        "{\n".repeat(n),
        "}\n".repeat(n)
    );
    let calls = format!(
        "{}x{}\n",
        "auditLog.create(\n".repeat(n / 10),
        ")\n".repeat(n / 10)
    );
    std::fs::write(dir.path().join("parens.ts"), parens).unwrap();
    std::fs::write(dir.path().join("blocks.js"), blocks).unwrap();
    std::fs::write(dir.path().join("calls.tsx"), calls).unwrap();
    // Template substitutions nest too (issue 14 item 7: they were not walked, nor counted).
    let templates = format!(
        "const audit = 1;\nexport const d = {}1{};\n",
        "`${\n".repeat(n),
        "}`\n".repeat(n)
    );
    std::fs::write(dir.path().join("templates.ts"), templates).unwrap();
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 2, "{json:#}");
    for file in ["parens.ts", "blocks.js", "calls.tsx", "templates.ts"] {
        let errors = errors_for(&json, file);
        assert!(
            errors.iter().any(|e| e.contains("nesting deeper than")),
            "{file}: {errors:?}"
        );
    }
    still_found_the_good_file(&json);
}

#[cfg(unix)]
#[test]
fn symlinks_are_never_followed_and_never_silently_skipped() {
    let dir = project();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.ts"), "logAudit();\n").unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("escape")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.ts"),
        dir.path().join("secret.ts"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink("../loop", dir.path().join("loop/again")).unwrap();
    std::os::unix::fs::symlink("self.ts", dir.path().join("self.ts")).unwrap();
    std::os::unix::fs::symlink("missing.ts", dir.path().join("gone.ts")).unwrap();
    // A dangling link that no source file could be behind (`.env` → a missing secrets file).
    std::os::unix::fs::symlink("../.env.local", dir.path().join("settings.env")).unwrap();
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        errors_for(&json, "escape")
            .iter()
            .any(|e| e.contains("outside the project"))
    );
    assert!(
        errors_for(&json, "secret.ts")
            .iter()
            .any(|e| e.contains("outside the project"))
    );
    assert!(
        errors_for(&json, "self.ts")
            .iter()
            .any(|e| e.contains("dangling or loops"))
    );
    assert!(
        errors_for(&json, "gone.ts")
            .iter()
            .any(|e| e.contains("dangling or loops"))
    );
    assert!(errors_for(&json, "settings.env").is_empty());
    let text = json.to_string();
    assert!(
        !text.contains(&outside.path().display().to_string()),
        "no path outside the project is printed"
    );
    assert!(
        !text.contains("secret.ts\",\"rule"),
        "nothing outside the project is checked"
    );
    // `loop/again` points back inside: not followed, not an error (its target is checked anyway).
    assert!(errors_for(&json, "loop/again").is_empty());
    still_found_the_good_file(&json);
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project();
    let locked = dir.path().join("locked.ts");
    std::fs::write(&locked, "logAudit();\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    for name in ["good.ts", "auditlint.toml"] {
        std::fs::set_permissions(
            dir.path().join(name),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
    }
    let binary = assert_cmd::cargo::cargo_bin("auditlint");
    // root reads any file: run as an unprivileged user then, so the permission really denies.
    let mut command = if is_root() {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary);
        c
    } else {
        std::process::Command::new(&binary)
    };
    let output = command
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--fail-on", "never"])
        .output()
        .expect("run auditlint");
    let json: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(output.status.code(), Some(2));
    let errors = errors_for(&json, "locked.ts");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("cannot read") && e.contains("ermission denied")),
        "{errors:?}"
    );
    still_found_the_good_file(&json);
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn a_panic_while_analysing_one_file_is_contained() {
    let dir = project();
    std::fs::write(dir.path().join("boom.ts"), "logAudit();\n").unwrap();
    let output = support::auditlint()
        .current_dir(dir.path())
        .env("AUDITLINT_INJECT_PANIC", "boom.ts")
        .args(["check", "--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).is_empty(),
        "no panic message reaches the user"
    );
    assert!(
        errors_for(&json, "boom.ts")
            .iter()
            .any(|e| e.contains("internal error"))
    );
    still_found_the_good_file(&json);
}

/// Writes `config` as the project's `auditlint.toml`, runs `check`, expects exit 2 and
/// returns stderr.
fn config_error(dir: &std::path::Path, config: &str) -> String {
    std::fs::write(dir.join("auditlint.toml"), config).unwrap();
    let output = support::auditlint()
        .current_dir(dir)
        .args(["check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{config}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn malformed_config_is_an_error_with_file_line_and_column() {
    let dir = project();
    let stderr = config_error(dir.path(), "[rules]\naudit-error-swallowed = \"loud\"\n");
    assert!(stderr.contains("auditlint.toml:2:25:"), "{stderr}");
    assert!(stderr.contains("loud"), "{stderr}");

    let stderr = config_error(dir.path(), "[sinks]\ntables = [\"audit_[\"]\n");
    assert!(
        stderr.contains("auditlint.toml:2:11:") && stderr.contains("invalid pattern"),
        "{stderr}"
    );

    let stderr = config_error(dir.path(), "[rules\n");
    assert!(stderr.contains("auditlint.toml:1:"), "{stderr}");
}

#[test]
fn a_missing_path_is_an_error_and_the_rest_is_checked() {
    let dir = project();
    let (code, json) = support::check_json(dir.path(), &["good.ts", "nope.ts"]);
    assert_eq!(code, 2);
    assert!(
        errors_for(&json, "nope.ts")
            .iter()
            .any(|e| e.contains("cannot check"))
    );
    still_found_the_good_file(&json);
}

#[test]
fn a_named_file_auditlint_cannot_read_is_reported_not_skipped() {
    let dir = project();
    std::fs::write(dir.path().join("notes.rb"), "puts 'audit'\n").unwrap();
    let (code, json) = support::check_json(dir.path(), &["notes.rb", "good.ts"]);
    assert_eq!(code, 2, "{json:#}");
    assert!(
        errors_for(&json, "notes.rb").iter().any(|e| e.starts_with(
            "not checked: auditlint reads TypeScript, JavaScript, Rust, Go and Python"
        )),
        "{json:#}"
    );
    still_found_the_good_file(&json);
}

/// A Rust project beside the TypeScript one: the good `.rs` file's finding proves the run went
/// on after each bad Rust file.
fn rust_good_file(dir: &std::path::Path) {
    std::fs::write(
        dir.join("good.rs"),
        "pub async fn f(pool: &PgPool) {\n    let _ = sqlx::query!(\"INSERT INTO audit_log (a) VALUES (1)\").execute(pool).await;\n}\n",
    )
    .unwrap();
}

fn still_found_the_good_rust_file(json: &Value) {
    let findings = json["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["path"] == "good.rs"
            && f["line"] == 2
            && f["rule"] == "audit-error-swallowed"),
        "the rest of the run must go on: {json:#}"
    );
}

#[test]
fn rust_files_syn_rejects_are_errors_with_their_line() {
    let dir = project();
    rust_good_file(dir.path());
    // Nightly-only syntax syn does not accept, and a plain syntax error.
    std::fs::write(
        dir.path().join("nightly.rs"),
        "static AUDIT: &str = \"audit\";\nimpl<A, F: ?Sized> const Fn<A> for &F where F: ~const Fn<A> {}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.rs"),
        "static AUDIT: &str = \"audit\";\nfn f() {\n    let x = ;\n}\n",
    )
    .unwrap();
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 2, "{json:#}");
    let broken = errors_for(&json, "broken.rs");
    assert!(
        broken
            .iter()
            .any(|e| e.contains("cannot parse this file as Rust (line 3,")),
        "{broken:?}"
    );
    let nightly = errors_for(&json, "nightly.rs");
    assert!(
        nightly
            .iter()
            .any(|e| e.contains("cannot parse this file as Rust (line 2,")),
        "{nightly:?}"
    );
    still_found_the_good_rust_file(&json);
    still_found_the_good_file(&json);
}

#[test]
fn rust_nesting_100000_deep_is_refused_without_overflowing() {
    let dir = project();
    rust_good_file(dir.path());
    let deep = format!(
        "static AUDIT: &str = \"audit\";\nfn f() {{\n    let x = {}1{};\n}}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    std::fs::write(dir.path().join("deep.rs"), deep).unwrap();
    let closures = format!(
        "static AUDIT: &str = \"audit\";\nfn f() {{\n    let g = {}x;\n}}\n",
        "|a| ".repeat(100_000)
    );
    std::fs::write(dir.path().join("closures.rs"), closures).unwrap();
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 2, "{json:#}");
    for (file, line) in [("deep.rs", 3), ("closures.rs", 3)] {
        let errors = errors_for(&json, file);
        assert!(
            errors.iter().any(|e| e.starts_with(&format!(
                "nesting too deep to analyse safely at line {line}"
            ))),
            "{file}: {errors:?}"
        );
    }
    still_found_the_good_rust_file(&json);
}

#[test]
fn non_utf8_rust_files_are_reported() {
    let dir = project();
    rust_good_file(dir.path());
    std::fs::write(dir.path().join("latin1.rs"), b"// audit\nfn caf\xe9() {}\n").unwrap();
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 2, "{json:#}");
    assert!(!errors_for(&json, "latin1.rs").is_empty(), "{json:#}");
    still_found_the_good_rust_file(&json);
}

/// FIFOs are never opened for reading (that would block forever) and never skipped silently:
/// one named like a source file, in the tree or named on the command line, is an error naming
/// it; a configuration, a baseline that is a FIFO, a device or a directory is an error too.
#[test]
fn fifos_devices_and_directories_never_hang_and_are_named() {
    let dir = project();
    let mkfifo = |name: &str| {
        let status = std::process::Command::new("mkfifo")
            .arg(dir.path().join(name))
            .status()
            .expect("mkfifo");
        assert!(status.success());
    };
    mkfifo("pipe.ts");
    mkfifo("config.toml");
    mkfifo("baseline.json");
    let run = |args: &[&str]| {
        let out = support::auditlint()
            .args(args)
            .current_dir(dir.path())
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .expect("run auditlint");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // In the tree: named, the rest still checked (good.ts's finding is reported).
    let (code, stdout, _) = run(&["check", "--format", "json", "--fail-on", "never", "."]);
    assert_eq!(code, Some(2), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert!(
        errors_for(&json, "pipe.ts")
            .iter()
            .any(|e| e.contains("not a regular file")),
        "{json:#}"
    );
    assert_eq!(json["summary"]["findings"], 1, "{json:#}");
    // Named on the command line.
    let (code, stdout, _) = run(&["check", "--format", "json", "pipe.ts"]);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(stdout.contains("not a regular file"), "{stdout}");
    // A configuration and baselines that are not regular files.
    for args in [
        &["check", "--config", "config.toml", "."][..],
        &["check", "--baseline", "baseline.json", "."][..],
        &["check", "--baseline", "/dev/zero", "."][..],
    ] {
        let (code, _, stderr) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{args:?}: {stderr}");
    }
    // An `auditlint.toml` that is a directory is an error, not the defaults.
    let sub = dir.path().join("sub");
    std::fs::create_dir_all(sub.join("auditlint.toml")).expect("mkdir");
    std::fs::write(sub.join("x.ts"), "export const x = 1;\n").expect("x.ts");
    let (code, _, stderr) = run(&["check", "sub"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("auditlint.toml") && stderr.contains("not a regular file"),
        "{stderr}"
    );
}

/// Shapes that once slipped past the Rust nesting pre-check and overflowed the stack: a
/// backslash in a raw string hiding deep parentheses, a closure chain whose parameters are
/// separated by commas. Each is refused with its line; the other files are still checked.
#[test]
fn rust_shapes_past_the_nesting_check_are_refused_not_overflowed() {
    let dir = project();
    std::fs::write(
        dir.path().join("raw.rs"),
        format!(
            "static AUDIT_LOG: &str = \"audit_log\";\npub fn f() {{ let _a = r\"\\\"; let _d = {}1{}; let _q = '\"'; }}\n",
            "(".repeat(100_000),
            ")".repeat(100_000)
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("closures.rs"),
        format!(
            "static AUDIT_LOG: &str = \"audit_log\";\npub fn g() {{ let _g = {}1; }}\n",
            "|a, b| ".repeat(100_000)
        ),
    )
    .unwrap();
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 2, "{json:#}");
    for file in ["raw.rs", "closures.rs"] {
        assert!(
            errors_for(&json, file)
                .iter()
                .any(|e| e.contains("nesting too deep")),
            "{file}: {json:#}"
        );
    }
    assert_eq!(
        json["summary"]["findings"], 1,
        "good.ts is still checked: {json:#}"
    );
}

/// tree-sitter's parser recursed once per line on this broken input and overflowed a worker's
/// stack: it is parsed on a thread with a large stack now, reported as the syntax error it is,
/// and the other files are still checked.
#[test]
fn a_typescript_input_that_recursed_in_the_parser_is_a_syntax_error() {
    let dir = project();
    for (name, lines) in [("many.ts", 20_000), ("more.ts", 100_000)] {
        std::fs::write(
            dir.path().join(name),
            format!("audit;\n(f<>(() => {{}})\n{}", "//c\n".repeat(lines)),
        )
        .unwrap();
    }
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 2, "{json:#}");
    for name in ["many.ts", "more.ts"] {
        assert!(
            errors_for(&json, name)
                .iter()
                .any(|e| e.contains("syntax error at line 2")),
            "{name}: {json:#}"
        );
    }
    assert_eq!(
        json["summary"]["findings"], 1,
        "good.ts is still checked: {json:#}"
    );
}

/// Issue 14 item 3: `foo()`, thousands of comment lines, then a `/` at the end: tree-sitter's
/// automatic-semicolon scan runs over every remaining comment once per comment, so parsing
/// took time quadratic in the size (10 s at 400 KB, 40 s at 800 KB). The parse stops at the
/// file's time limit (1 s plus 3 s per MiB), the file is named, and the rest is checked.
#[test]
fn a_parse_over_the_time_limit_is_cut_off_and_named() {
    let dir = project();
    let line = format!("// {}\n", "p".repeat(76));
    std::fs::write(
        dir.path().join("slow.ts"),
        format!("const audit = 1;\nfoo()\n{}/", line.repeat(600 * 1024 / 80)),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let (code, json) = support::check_json(dir.path(), &["--no-cache"]);
    let took = started.elapsed();
    assert_eq!(code, 2, "{json:#}");
    let errors = errors_for(&json, "slow.ts");
    assert!(
        errors.iter().any(|e| e
            .starts_with("not checked: parse time limit exceeded (more than 2.8 s for 601 KiB")
            && e.ends_with("; the limit is 1 s plus 3 s per MiB)")),
        "{errors:?}"
    );
    still_found_the_good_file(&json);
    // Unlimited, this file parses for about 20 s; a generous bound, not a benchmark.
    assert!(took.as_secs() < 12, "took {took:?}");
}

/// syn cannot be interrupted: a Rust file is parsed on a worker thread that the run stops
/// waiting for at the deadline (here made 1 ms by a test hook), left to finish on its own, at
/// most two at once. Every such file is named; the run ends and goes on for the rest.
#[test]
fn a_rust_parse_over_the_time_limit_is_abandoned_and_named() {
    let dir = project();
    let body = "    let _ = sqlx::query(\"INSERT INTO audit_log VALUES (1)\").execute(&pool);\n"
        .repeat(4_000);
    for i in 0..5 {
        std::fs::write(
            dir.path().join(format!("slow{i}.rs")),
            format!("fn audit_{i}() {{\n{body}}}\n"),
        )
        .unwrap();
    }
    let output = support::auditlint()
        .current_dir(dir.path())
        .env("AUDITLINT_TEST_PARSE_BUDGET_MS", "1")
        .args([
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--no-cache",
            "--threads",
            "2",
        ])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(output.status.code(), Some(2), "{json:#}");
    for i in 0..5 {
        let errors = errors_for(&json, &format!("slow{i}.rs"));
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("not checked: parse time limit exceeded (more than 0.0 s")),
            "slow{i}.rs: {json:#}"
        );
    }
}

/// Issue 14 item 7: an audit write inside a template substitution is in the inventory (and,
/// per `fixtures/audit-error-swallowed/template-substitution.ts`, its swallowing is found).
#[test]
fn audit_writes_inside_template_substitutions_are_inventoried() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auditlint.toml"), "").unwrap();
    std::fs::write(
        dir.path().join("t.ts"),
        "export const s = `x ${(async () => { try { await db.prepare(\"INSERT INTO audit_logs (a) VALUES (1)\").run() } catch {} })()}`;\n// wrapped\n",
    )
    .unwrap();
    let output = support::auditlint()
        .current_dir(dir.path())
        .args(["inventory"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("| `t.ts` | 1 |") && text.contains("table `audit_logs` | swallowed"),
        "{text}"
    );
}

/// Issue 14 item 10: every path is printed relative to the current directory — findings and
/// the errors of dangling links and unreadable names alike — and an argument that names
/// nothing is printed as given (an absolute one keeps its leading `/`).
#[cfg(unix)]
#[test]
fn every_path_is_relative_to_the_current_directory_and_arguments_are_named_as_given() {
    use std::os::unix::ffi::OsStrExt;
    let dir = project();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::copy(dir.path().join("good.ts"), src.join("a.ts")).unwrap();
    std::os::unix::fs::symlink("missing.ts", src.join("gone.ts")).unwrap();
    // A readable file whose name is not UTF-8: said truthfully, not "No such file".
    let name = std::ffi::OsStr::from_bytes(b"b\xff.ts");
    std::fs::copy(dir.path().join("good.ts"), src.join(name)).unwrap();
    let missing = dir.path().join("nothing-here.ts");
    let output = support::auditlint()
        .current_dir(&src)
        .args(["check", "--format", "json", "--fail-on", "never", "."])
        .arg(&missing)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(output.status.code(), Some(2), "{json:#}");
    let paths: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(paths, ["a.ts"], "{json:#}");
    assert!(
        errors_for(&json, "gone.ts")
            .iter()
            .any(|e| e.contains("dangling or loops")),
        "{json:#}"
    );
    assert_eq!(
        errors_for(&json, "b\u{fffd}.ts"),
        [
            "not checked: its name is not valid UTF-8 (auditlint names files in UTF-8 text); rename it to check it"
        ],
        "{json:#}"
    );
    let missing_shown = missing.to_str().unwrap();
    assert!(missing_shown.starts_with('/'));
    assert!(
        errors_for(&json, missing_shown)
            .iter()
            .any(|e| e.starts_with("cannot check: ")),
        "{json:#}"
    );
}

/// Issue 14 item 10: 20,000 table globs or one 1 MB glob took 17 s and then said
/// `invalid configuration: :0:0: error building NFA`. Now a clear error names the file, the
/// line and column, and the key, at once — and in the JSON contract under `--format json`.
#[test]
fn too_many_or_too_long_globs_are_a_clear_configuration_error() {
    let cases = [
        (
            format!(
                "[sinks]\nextend-tables = [{}]\n",
                (0..20_000)
                    .map(|i| format!("\"t{i}_*\""))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            "too many patterns in `[sinks] tables` (with `extend-tables` and the defaults): 20007 (at most 1000)",
        ),
        (
            format!("[sinks]\nurls = [\"{}\"]\n", "a*".repeat(500_000)),
            "a pattern in `[sinks] urls` is 1000000 bytes long (at most 1000)",
        ),
        (
            format!(
                "[sinks]\ntables = [{}]\n",
                (0..950)
                    .map(|i| format!("\"{}{i}\"", "x*y?".repeat(240)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            "the patterns of `[sinks] tables` cannot be compiled together",
        ),
    ];
    for (config, expected) in cases {
        let dir = project();
        std::fs::write(dir.path().join("auditlint.toml"), config).unwrap();
        let started = std::time::Instant::now();
        let (code, json) = support::check_json(dir.path(), &[]);
        assert!(started.elapsed().as_secs() < 10, "{expected}: too slow");
        assert_eq!(code, 2, "{json:#}");
        let errors = errors_for(&json, "auditlint.toml");
        assert!(
            errors.iter().any(
                |e| e.starts_with("invalid configuration: auditlint.toml:2:")
                    && e.contains(expected)
            ),
            "{expected}: {json:#}"
        );
    }
}

/// Arguments clap refuses still give a JSON consumer the contract (issue 14 item 10).
#[test]
fn usage_errors_under_format_json_write_the_contract() {
    let dir = project();
    for bad in [["--threads", "many"], ["--no-such-flag", "."]] {
        let output = support::auditlint()
            .current_dir(dir.path())
            .args(["check", "--format", "json"])
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        let json: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
        assert_eq!(json["version"], 1);
        assert_eq!(json["summary"]["errors"], 1);
        assert!(
            json["errors"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with("usage: "),
            "{json:#}"
        );
        assert!(!output.stderr.is_empty(), "clap's message stays on stderr");
    }
}

/// Issue 16: a Go parse over the time limit (made 1 ms by the test hook) is stopped through
/// tree-sitter's progress callback and named; pathological Go (deep nesting, a syntax error
/// mid-file) is checked in part or named, never a crash; the rest of the run goes on.
#[test]
fn go_files_over_the_time_limit_or_broken_are_named_not_fatal() {
    let dir = project();
    let body = "\t_, _ = db.Exec(\"INSERT INTO audit_log (a) VALUES (1)\")\n".repeat(20_000);
    std::fs::write(
        dir.path().join("slow.go"),
        format!("package a\n\nfunc f(db *sql.DB) {{\n{body}}}\n"),
    )
    .unwrap();
    let output = support::auditlint()
        .current_dir(dir.path())
        .env("AUDITLINT_TEST_PARSE_BUDGET_MS", "1")
        .args([
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--no-cache",
        ])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(output.status.code(), Some(2), "{json:#}");
    let errors = errors_for(&json, "slow.go");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("not checked: parse time limit exceeded")),
        "{json:#}"
    );

    let dir = project();
    let nested = format!(
        "package a\n\nfunc f(db *sql.DB) {{\n{}_ = db.Exec(\"INSERT INTO audit_log (a) VALUES (1)\")\n{}}}\n",
        "if true {\n".repeat(5_000),
        "}\n".repeat(5_000)
    );
    std::fs::write(dir.path().join("deep.go"), nested).unwrap();
    std::fs::write(
        dir.path().join("broken.go"),
        "package a\n\nfunc g(db *sql.DB) {\n\t_, _ = db.Exec(\"INSERT INTO audit_log (a) VALUES (1)\")\n}\n\nfunc h( {\n",
    )
    .unwrap();
    let (code, json) = support::check_json(dir.path(), &["--no-cache"]);
    assert_eq!(code, 2, "{json:#}");
    still_found_the_good_file(&json);
    assert!(!errors_for(&json, "deep.go").is_empty(), "{json:#}");
    assert!(!errors_for(&json, "broken.go").is_empty(), "{json:#}");
    // What did parse in the broken file is still checked.
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "broken.go"),
        "{json:#}"
    );
}
