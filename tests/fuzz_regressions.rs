//! Every input the fuzz harness (`fuzz/`, `bench/fuzz.sh`) ever found crashing or hanging, run
//! through the real binary: no panic, no abort, valid JSON, the file checked or named in
//! `errors` with the exit code that says so.
//!
//! `tests/fuzz-regressions/` holds them, minimized: a file (`NAME.ts`, `NAME.rs`, …) is checked
//! alone in a project with test code included; a directory is a whole project (the `engine`
//! target's inputs: its files and its `auditlint.toml`). Each file's first line or a `README`
//! in the directory says what it found. Time is bounded by the inputs themselves (small, and
//! limited by the engine's own limits), never asserted.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn regressions() -> Vec<PathBuf> {
    let dir = support::repo_root().join("tests/fuzz-regressions");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fuzz-regressions")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    cases.sort();
    cases
}

/// The case as a project: a copy of the directory, or the file alone with test code checked.
fn project_of(case: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    if case.is_dir() {
        support::copy_into(case, dir.path());
        if !dir.path().join("auditlint.toml").exists() {
            std::fs::write(dir.path().join("auditlint.toml"), "").expect("config");
        }
    } else {
        std::fs::write(
            dir.path().join("auditlint.toml"),
            "[files]\ncheck-tests = true\n",
        )
        .expect("config");
        support::copy_into(case, dir.path());
    }
    dir
}

fn run(dir: &Path) -> (Option<i32>, String, String) {
    let output = support::auditlint()
        .current_dir(dir)
        .args([
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--no-cache",
        ])
        .output()
        .expect("run auditlint");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn every_input_that_crashed_or_hung_the_fuzzer_is_checked_or_named() {
    let cases = regressions();
    assert!(!cases.is_empty(), "tests/fuzz-regressions/ is empty");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let dir = project_of(&case);
        let (code, stdout, stderr) = run(dir.path());
        // No signal (abort, stack overflow), and only the documented codes.
        assert!(
            matches!(code, Some(0..=2)),
            "{name}: exit {code:?}\nstderr:\n{stderr}"
        );
        assert!(
            !stderr.contains("panicked") && !stderr.contains("overflowed"),
            "{name}: {stderr}"
        );
        let json: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{name}: not JSON ({e}):\n{stdout}\nstderr:\n{stderr}"));
        let errors = json["errors"].as_array().expect("errors");
        for error in errors {
            let message = error["message"].as_str().unwrap_or_default();
            assert!(!message.contains("internal error"), "{name}: {message}");
        }
        // Errors make the exit code 2 (`--fail-on never`), and a code of 2 names them.
        assert_eq!(code == Some(2), !errors.is_empty(), "{name}: {json:#}");
        // A configuration that cannot be loaded stops the run before any file is read: the
        // error names it.
        let refused = errors.iter().any(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains("auditlint.toml"))
        });
        if refused && json["summary"]["files_scanned"] == 0 {
            continue;
        }
        // Every source file was read: scanned (or skipped as generated code or tests, which is
        // counted), or named in `errors`; never silently left out.
        let summary = &json["summary"];
        let seen = ["files_scanned", "skipped_generated", "skipped_tests"]
            .iter()
            .map(|key| summary[key].as_u64().unwrap_or(0) as usize)
            .sum::<usize>();
        let unnamed = source_files(dir.path())
            .into_iter()
            .filter(|source| !errors.iter().any(|e| e["path"] == source.as_str()))
            .count();
        assert!(
            unnamed <= seen,
            "{name}: a file neither scanned nor named: {json:#}"
        );
    }
}

/// The project's source files, relative, with `/`.
fn source_files(dir: &Path) -> Vec<String> {
    support::files_under(dir)
        .into_iter()
        .filter(|path| {
            path.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|ext| {
                    ["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs", "rs"].contains(&ext)
                })
        })
        .map(|path| {
            let rel = path.strip_prefix(dir).expect("inside");
            rel.to_string_lossy().replace('\\', "/")
        })
        .collect()
}
