//! Shared helpers for the end-to-end tests: run the real binary, copy fixtures.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .expect("repo root")
}

pub fn auditlint() -> Command {
    let mut cmd = Command::cargo_bin("auditlint").expect("the auditlint binary is built");
    cmd.env_remove("NO_COLOR");
    cmd
}

/// Copies a file or directory tree into `to` (files keep their names).
pub fn copy_into(from: &Path, to: &Path) {
    if from.is_file() {
        std::fs::copy(from, to.join(from.file_name().expect("file name"))).expect("copy file");
        return;
    }
    let mut stack = vec![from.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read fixture dir") {
            let path = entry.expect("dir entry").path();
            let rel = path.strip_prefix(from).expect("inside");
            let target = to.join(rel);
            if path.is_dir() {
                std::fs::create_dir_all(&target).expect("mkdir");
                stack.push(path);
            } else {
                std::fs::copy(&path, &target).expect("copy");
            }
        }
    }
}

/// Runs `auditlint check --format json` in `dir` and returns (exit code, JSON).
pub fn check_json(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let output = auditlint()
        .current_dir(dir)
        .args(["check", "--format", "json", "--fail-on", "never"])
        .args(extra)
        .output()
        .expect("run auditlint");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "auditlint did not print JSON ({e}); stdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), json)
}

/// Set to `1` to skip the tests that need an external tool (`sarif-multitool`, `pre-commit`,
/// `check-jsonschema`) when it is not installed. Honoured only outside CI (`CI` unset).
pub const SKIP_TOOL_TESTS: &str = "AUDITLINT_SKIP_TOOL_TESTS";

/// An external tool a test runs: the path in the environment variable `env` (`.ci/test` sets
/// it), else `default` under the repository (where `.ci/deps` installs it). A missing tool fails
/// the test with a hint; with `AUDITLINT_SKIP_TOOL_TESTS=1` outside CI it returns `None` and the
/// test returns early instead, saying so on stderr.
pub fn external_tool(env: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env).map_or_else(|| repo_root().join(default), PathBuf::from);
    if path.is_file() {
        return Some(path);
    }
    let opted_out = std::env::var(SKIP_TOOL_TESTS).is_ok_and(|v| v == "1")
        && std::env::var_os("CI").is_none_or(|ci| ci.is_empty() || ci == "false");
    if opted_out {
        eprintln!(
            "skipping: {} is missing and {SKIP_TOOL_TESTS}=1",
            path.display()
        );
        return None;
    }
    panic!(
        "{} is missing: run `bash .ci/deps` to install the test tools, point {env} at it, or set \
         {SKIP_TOOL_TESTS}=1 to skip this test locally",
        path.display()
    );
}

/// Every fenced code block of the README that a `<!-- snippet: NAME -->` comment names, as
/// `(name, language, text)`, in order. The comment is the line right before the fence (it does
/// not show on GitHub); `tests/readme.rs` checks that every block has one and that every name is
/// executed by some test.
pub fn readme_snippets() -> Vec<(String, String, String)> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let mut snippets = Vec::new();
    let mut lines = readme.lines();
    let mut name: Option<String> = None;
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("<!-- snippet: ") {
            name = Some(rest.trim_end_matches("-->").trim().to_string());
            continue;
        }
        if let Some(language) = line.strip_prefix("```") {
            let mut text = String::new();
            for body in lines.by_ref() {
                if body.starts_with("```") {
                    break;
                }
                text.push_str(body);
                text.push('\n');
            }
            snippets.push((name.take().unwrap_or_default(), language.to_string(), text));
            continue;
        }
        if !line.trim().is_empty() {
            name = None;
        }
    }
    snippets
}

/// The README block named `name` (see [`readme_snippets`]), exactly as written.
pub fn readme_snippet(name: &str) -> String {
    let found: Vec<_> = readme_snippets()
        .into_iter()
        .filter(|(n, _, _)| n == name)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "README.md must have one block `<!-- snippet: {name} -->`"
    );
    found
        .into_iter()
        .next()
        .map(|(_, _, text)| text)
        .unwrap_or_default()
}

/// Runs `git ARGS` in `dir` as a test author (no signing, `main` as the first branch, none of
/// the caller's `GIT_DIR`-style variables) and fails the test when git fails.
pub fn git(dir: &Path, args: &[&str]) {
    let output = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_AUTHOR_NAME", "auditlint tests")
        .env("GIT_AUTHOR_EMAIL", "tests@auditlint.invalid")
        .env("GIT_COMMITTER_NAME", "auditlint tests")
        .env("GIT_COMMITTER_EMAIL", "tests@auditlint.invalid")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file below `dir` (symlinks are not followed into), sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("read dir") {
            let entry = entry.expect("entry");
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
            } else {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    found
}
