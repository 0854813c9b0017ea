//! Every code block of the README is run as written. Each block carries a
//! `<!-- snippet: NAME -->` comment; this file checks that every block has one and that every
//! name is read by a test (`support::readme_snippet("NAME")` in some `tests/*.rs`), and runs the
//! blocks that are not run elsewhere: the commands (with the binary `cargo test` built on
//! `PATH`), the configuration files, the suppression example, and the VS Code and Helix settings
//! against the language server's `initialize` answer. Elsewhere: the pre-commit configurations
//! and the release step (`tests/precommit.rs`), the workflow (`tests/github_action.rs`), the
//! Neovim configuration (`tests/lsp.rs`, headless Neovim).

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

/// The non-comment, non-empty lines of a shell block, each without its trailing comment.
fn commands(block: &str) -> Vec<String> {
    block
        .lines()
        .map(|line| match line.find(" #") {
            Some(at) => line[..at].trim_end(),
            None => line.trim_end(),
        })
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_auditlint"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `sh -c LINE` in `dir` with the built binary first on `PATH`, as an installed `auditlint`.
fn shell(dir: &Path, line: &str) -> Output {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin_dir()];
    dirs.extend(std::env::split_paths(&path));
    Command::new("sh")
        .current_dir(dir)
        .args(["-c", line])
        .env("PATH", std::env::join_paths(dirs).unwrap())
        .env("AUDITLINT_TODAY", "2026-01-01")
        .env_remove("NO_COLOR")
        .output()
        .expect("run sh")
}

fn describe(output: &Output) -> String {
    format!(
        "exit code {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

use support::git;

#[test]
fn every_readme_block_is_named_and_every_name_is_run_by_a_test() {
    let snippets = support::readme_snippets();
    assert!(snippets.len() >= 15, "{} blocks", snippets.len());
    let mut tests = String::new();
    for entry in std::fs::read_dir(support::repo_root().join("tests")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            tests.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    let mut names = Vec::new();
    for (name, language, text) in &snippets {
        assert!(
            !name.is_empty(),
            "a ```{language} block of README.md has no `<!-- snippet: NAME -->` line before it:\n{text}"
        );
        assert!(
            !names.contains(name),
            "two README blocks are named `{name}`"
        );
        assert!(
            tests.contains(&format!("readme_snippet(\"{name}\")")),
            "no test runs the README block `{name}`"
        );
        names.push(name.clone());
    }
}

#[test]
fn the_two_commands() {
    let block = support::readme_snippet("commands");
    let lines = commands(&block);
    assert_eq!(
        lines,
        [
            "cargo run --release -p auditlint-cli -- check examples/saas-monorepo",
            "bash .ci/test"
        ]
    );
    // Command 1 with the binary this test run built (the release build differs only in speed):
    // both incidents, in TypeScript and in Rust, the Go teams service's and the Python billing
    // service's swallowed audit writes; exit 1.
    let args = lines[0].split_once(" -- ").unwrap().1;
    let output = shell(
        &support::repo_root(),
        &format!("auditlint {args} --color never"),
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "audit-error-swallowed",
        "audit-flag-discarded",
        ".ts:",
        ".rs:",
        ".go:",
        ".py:",
    ] {
        assert!(stdout.contains(needle), "missing {needle}: {stdout}");
    }
    // Command 2 is the suite this test belongs to; CI runs exactly it.
    let ci = std::fs::read_to_string(support::repo_root().join(".ci/run")).unwrap();
    assert!(ci.lines().any(|l| l == "bash .ci/test"), "{ci}");
}

#[test]
fn the_install_line_installs_the_binary_from_the_root_package() {
    let block = support::readme_snippet("install");
    assert_eq!(commands(&block), ["cargo install --path ."]);
    // `cargo install --path .` itself runs in `tests/precommit.rs` (pre-commit's `language:
    // rust` runs it in its clone); here: the root package is the one with the binary.
    let manifest = std::fs::read_to_string(support::repo_root().join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("[[bin]]\nname = \"auditlint\"\n"),
        "{manifest}"
    );
}

/// The example monorepo, copied into a git repository with an `origin/main`.
fn example_repository() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    support::copy_into(
        &support::repo_root().join("examples/saas-monorepo"),
        temp.path(),
    );
    git(temp.path(), &["init", "-q"]);
    git(temp.path(), &["add", "-A"]);
    git(temp.path(), &["commit", "-q", "-m", "example"]);
    git(
        temp.path(),
        &["update-ref", "refs/remotes/origin/main", "HEAD"],
    );
    temp
}

#[test]
fn every_command_line_of_the_readme_runs_in_the_example() {
    let temp = example_repository();
    // In README order: the baseline is recorded before it is used or ratcheted.
    for (name, block) in [
        ("use", support::readme_snippet("use")),
        (
            "baseline-record",
            support::readme_snippet("baseline-record"),
        ),
        (
            "baseline-ratchet",
            support::readme_snippet("baseline-ratchet"),
        ),
        (
            "suppressions-export",
            support::readme_snippet("suppressions-export"),
        ),
        (
            "inventory-export",
            support::readme_snippet("inventory-export"),
        ),
    ] {
        for line in commands(&block) {
            assert!(line.starts_with("auditlint "), "{name}: {line}");
            let output = shell(temp.path(), &line);
            let code = output.status.code();
            assert!(
                code == Some(0) || code == Some(1),
                "{name}: `{line}`: {}",
                describe(&output)
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!stderr.contains("error"), "{name}: `{line}`: {stderr}");
        }
    }
    for written in [
        "auditlint.sarif",
        ".auditlint-baseline.json",
        "audit-coverage.md",
    ] {
        assert!(temp.path().join(written).is_file(), "{written}");
    }
}

#[test]
fn the_example_declares_the_tables_the_readme_shows() {
    let block: toml::Value = toml::from_str(&support::readme_snippet("example-tables")).unwrap();
    let config: toml::Value = toml::from_str(
        &std::fs::read_to_string(
            support::repo_root().join("examples/saas-monorepo/auditlint.toml"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(block["sinks"], config["sinks"]);
}

#[test]
fn the_configuration_example_is_valid() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(
        temp.path().join("auditlint.toml"),
        support::readme_snippet("configuration"),
    )
    .unwrap();
    std::fs::write(
        temp.path().join("purge.ts"),
        "export async function purge(db: D1Database) {\n  try {\n    await db.prepare(\"INSERT INTO compliance_events (a) VALUES (1)\").run();\n  } catch {}\n}\n",
    )
    .unwrap();
    let (code, json) = support::check_json(temp.path(), &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(
        json["findings"][0]["rule"], "audit-error-swallowed",
        "{json:#}"
    );
}

#[test]
fn the_suppression_example_suppresses_with_its_reason() {
    let block = support::readme_snippet("suppression");
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("auditlint.toml"), "").unwrap();
    std::fs::write(
        temp.path().join("record.ts"),
        format!(
            "declare const auditLog: {{ create(args: unknown): Promise<void> }};\ndeclare const row: unknown;\n\nexport async function record() {{\n{block}}}\n"
        ),
    )
    .unwrap();
    let output = support::auditlint()
        .current_dir(temp.path())
        .env("AUDITLINT_TODAY", "2026-01-01")
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["summary"]["findings"], 0, "{json:#}");
    assert_eq!(json["summary"]["suppressed"], 1, "{json:#}");
    assert_eq!(
        json["findings"][0]["suppressed"]["reason"],
        "the nightly replay job re-inserts failed rows (OPS-1432)"
    );
}

/// The languages the server checks, as editors name them, with a file extension of each.
const EDITOR_LANGUAGES: &[(&str, &str)] = &[
    ("typescript", "ts"),
    ("typescriptreact", "tsx"),
    ("javascript", "js"),
    ("javascriptreact", "jsx"),
    ("rust", "rs"),
    ("go", "go"),
    ("python", "py"),
];

/// Sends `initialize` to `auditlint lsp` and returns the server's capabilities.
fn server_capabilities() -> Value {
    let mut server = Command::new(env!("CARGO_BIN_EXE_auditlint"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start auditlint lsp");
    let root = tempfile::tempdir().unwrap();
    let mut stdin = server.stdin.take().unwrap();
    let mut send = |message: Value| {
        let body = message.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    };
    send(json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "processId": null, "rootUri": format!("file://{}", root.path().display()), "capabilities": {} }
    }));
    let mut reader = BufReader::new(server.stdout.take().unwrap());
    let capabilities = loop {
        let mut length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some(value) = header.strip_prefix("Content-Length: ") {
                length = value.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let message: Value = serde_json::from_slice(&body).unwrap();
        if message["id"] == 1 {
            break message["result"]["capabilities"].clone();
        }
    };
    send(json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }));
    send(json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown" }));
    send(json!({ "jsonrpc": "2.0", "method": "exit" }));
    drop(stdin);
    let _ = server.wait();
    capabilities
}

/// What the README's editor settings must agree with: the server answers `initialize` with
/// document sync, diagnostics and quick fixes, and checks a file of every listed language.
fn assert_languages_match_the_server(languages: &[String]) {
    let capabilities = server_capabilities();
    assert!(
        !capabilities["textDocumentSync"].is_null(),
        "{capabilities:#}"
    );
    assert!(
        !capabilities["codeActionProvider"].is_null(),
        "{capabilities:#}"
    );
    let mut expected: Vec<&str> = EDITOR_LANGUAGES.iter().map(|(id, _)| *id).collect();
    expected.sort_unstable();
    let mut listed: Vec<&str> = languages.iter().map(String::as_str).collect();
    listed.sort_unstable();
    assert_eq!(
        listed, expected,
        "the settings list exactly the languages the server checks"
    );
    for (_, extension) in EDITOR_LANGUAGES {
        assert!(
            auditlint_engine_is_source(&format!("src/file.{extension}")),
            ".{extension}"
        );
    }
}

/// The engine decides by extension which files the server checks (the language id is not
/// used); asked through the binary: a file it does not read is an error.
fn auditlint_engine_is_source(path: &str) -> bool {
    let temp = tempfile::tempdir().unwrap();
    let file = temp.path().join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "\n").unwrap();
    let output = support::auditlint()
        .current_dir(temp.path())
        .args(["check", path])
        .output()
        .unwrap();
    output.status.code() == Some(0)
}

#[test]
fn the_vscode_settings_start_the_server_for_its_languages() {
    let settings: Value = serde_json::from_str(&support::readme_snippet("vscode")).unwrap();
    assert_eq!(settings["glspc.server.command"], "auditlint");
    assert_eq!(settings["glspc.server.commandArguments"], json!(["lsp"]));
    let languages: Vec<String> = settings["glspc.server.languageId"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_languages_match_the_server(&languages);
}

#[test]
fn the_helix_languages_start_the_server_for_its_languages() {
    let config: toml::Value = toml::from_str(&support::readme_snippet("helix")).unwrap();
    let server = &config["language-server"]["auditlint"];
    assert_eq!(server["command"].as_str(), Some("auditlint"));
    assert_eq!(
        server["args"].as_array().unwrap(),
        &vec![toml::Value::from("lsp")]
    );
    // Helix's names for the same languages.
    let helix_to_lsp = |name: &str| match name {
        "tsx" => "typescriptreact".to_string(),
        "jsx" => "javascriptreact".to_string(),
        other => other.to_string(),
    };
    let mut languages = Vec::new();
    for language in config["language"].as_array().unwrap() {
        let servers = language["language-servers"].as_array().unwrap();
        assert!(
            servers.contains(&toml::Value::from("auditlint")),
            "{language:?}"
        );
        languages.push(helix_to_lsp(language["name"].as_str().unwrap()));
    }
    assert_languages_match_the_server(&languages);
}
