//! The GitHub Action (`action.yml`) and the example workflow (`examples/github-workflow.yml`,
//! also printed in the README): both validated with `check-jsonschema` against its vendored
//! GitHub schemas, and the action's run step executed here as the runner would execute it.
//!
//! `check-jsonschema` and Python's `yaml` come from the venv `.ci/deps` creates
//! (`target/ci-venv`, with pre-commit, which depends on PyYAML).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn check_jsonschema(builtin: &str, file: &str) {
    let Some(tool) = support::external_tool(
        "AUDITLINT_TEST_CHECK_JSONSCHEMA",
        "target/ci-venv/bin/check-jsonschema",
    ) else {
        return;
    };
    let output = Command::new(tool)
        .current_dir(support::repo_root())
        .args(["--builtin-schema", builtin, file])
        .output()
        .expect("run check-jsonschema");
    assert!(
        output.status.success(),
        "{file} against {builtin}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn action_yml_is_a_valid_action() {
    check_jsonschema("vendor.github-actions", "action.yml");
}

#[test]
fn the_example_workflow_is_a_valid_workflow() {
    check_jsonschema("vendor.github-workflows", "examples/github-workflow.yml");
}

#[test]
fn the_readme_shows_the_example_workflow_verbatim() {
    let root = support::repo_root();
    let workflow = std::fs::read_to_string(root.join("examples/github-workflow.yml")).unwrap();
    assert_eq!(
        support::readme_snippet("github-workflow"),
        workflow,
        "README.md must show examples/github-workflow.yml unchanged"
    );
    let hooks = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    assert!(hooks.contains("- id: auditlint\n") && hooks.contains("language: rust\n"));
}

/// The `run` script of the action step with this `id`, read with the venv's PyYAML.
fn step_script(id: &str) -> Option<String> {
    let python = support::external_tool("AUDITLINT_TEST_PYTHON", "target/ci-venv/bin/python")?;
    let output = Command::new(python)
        .current_dir(support::repo_root())
        .args([
            "-c",
            "import sys, yaml\n\
             steps = yaml.safe_load(open('action.yml'))['runs']['steps']\n\
             print(next(s['run'] for s in steps if s.get('id') == sys.argv[1]), end='')",
            id,
        ])
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).unwrap())
}

struct StepRun {
    code: Option<i32>,
    stdout: String,
    outputs: String,
    summary: String,
    runner_temp: PathBuf,
    _temp: tempfile::TempDir,
}

/// Runs the action's check step in `dir` as a runner would: `RUNNER_TEMP` holding the
/// installed binary, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, inputs as `INPUT_*`.
fn run_check_step(script: &str, dir: &Path, inputs: &[(&str, &str)]) -> StepRun {
    let dir_guard = tempfile::tempdir().unwrap();
    let temp = dir_guard.path().to_owned();
    let bin = temp.join("auditlint/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(
        assert_cmd::cargo::cargo_bin("auditlint"),
        bin.join("auditlint"),
    )
    .unwrap();
    let outputs = temp.join("github_output");
    let summary = temp.join("step_summary.md");
    let mut command = Command::new("bash");
    command
        .current_dir(dir)
        .args([
            "--noprofile",
            "--norc",
            "-e",
            "-o",
            "pipefail",
            "-c",
            script,
        ])
        .env("RUNNER_TEMP", &temp)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary);
    for (name, default) in [
        ("INPUT_PATHS", "."),
        ("INPUT_CHANGED_SINCE", ""),
        ("INPUT_FAIL_ON", "error"),
        ("INPUT_SARIF_FILE", ""),
        ("INPUT_ARGS", ""),
    ] {
        let value = inputs
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(default, |(_, v)| v);
        command.env(name, value);
    }
    let output = command.output().expect("run bash");
    StepRun {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        runner_temp: temp,
        _temp: dir_guard,
    }
}

#[test]
fn the_action_writes_sarif_sets_outputs_and_fails_on_findings() {
    let Some(script) = step_script("check") else {
        return;
    };
    // Inputs reach the script through `env`, never spliced into it (script injection).
    assert!(!script.contains("${{"), "{script}");
    let example = support::repo_root().join("examples/saas-monorepo");
    let run = run_check_step(&script, &example, &[]);
    assert_eq!(run.code, Some(1), "findings fail the step:\n{}", run.stdout);
    let sarif = run.runner_temp.join("auditlint.sarif");
    assert!(
        run.outputs
            .contains(&format!("sarif-file={}\n", sarif.display())),
        "{}",
        run.outputs
    );
    let (_, json) = support::check_json(&example, &[]);
    let findings = json["findings"].as_array().unwrap().len();
    assert!(
        run.outputs.contains(&format!("findings={findings}\n")),
        "{}",
        run.outputs
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(run.stdout.lines().any(|l| l.starts_with("::error file=")));
    assert!(
        run.summary.starts_with("### auditlint\n"),
        "{}",
        run.summary
    );

    // `fail-on: never` passes; a SARIF path of one's own is used.
    let elsewhere = tempfile::tempdir().unwrap();
    let own = elsewhere.path().join("own.sarif");
    let run = run_check_step(
        &script,
        &example,
        &[
            ("INPUT_FAIL_ON", "never"),
            ("INPUT_SARIF_FILE", own.to_str().unwrap()),
            ("INPUT_PATHS", "workers apps"),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(own.is_file());
    let (_, only) = support::check_json(&example, &["workers", "apps"]);
    let only = only["findings"].as_array().unwrap().len();
    assert!(only < findings, "the paths input narrows the check");
    assert!(run.outputs.contains(&format!("findings={only}\n")));

    // A configuration error stops the step with exit code 2 and an error annotation.
    let run = run_check_step(
        &script,
        &example,
        &[("INPUT_ARGS", "--config no-such-file.toml")],
    );
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(
        run.stdout.contains("::error title=auditlint::"),
        "{}",
        run.stdout
    );
}

/// The install step with a stand-in `cargo` that records its arguments: the `--path` it passes
/// must be a package whose binary is `auditlint` (what `cargo install` would build; the
/// pre-commit test runs the real `cargo install --path .`).
#[test]
fn the_action_installs_the_auditlint_binary_from_its_own_checkout() {
    let Some(script) = step_script("install") else {
        return;
    };
    assert!(!script.contains("${{"), "{script}");
    let temp = tempfile::tempdir().unwrap();
    let fake_bin = temp.path().join("fake-bin");
    std::fs::create_dir_all(&fake_bin).unwrap();
    let recorded = temp.path().join("cargo-args");
    let real = assert_cmd::cargo::cargo_bin("auditlint");
    std::fs::write(
        fake_bin.join("cargo"),
        format!(
            "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > '{}'\nmkdir -p \"$RUNNER_TEMP/auditlint/bin\"\ncp '{}' \"$RUNNER_TEMP/auditlint/bin/auditlint\"\n",
            recorded.display(),
            real.display()
        ),
    )
    .unwrap();
    let chmod = Command::new("chmod")
        .arg("+x")
        .arg(fake_bin.join("cargo"))
        .status()
        .unwrap();
    assert!(chmod.success());
    let runner_temp = temp.path().join("runner");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let path = format!(
        "{}:{}",
        fake_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("bash")
        .args([
            "--noprofile",
            "--norc",
            "-e",
            "-o",
            "pipefail",
            "-c",
            &script,
        ])
        .env("PATH", path)
        .env("RUNNER_TEMP", &runner_temp)
        .env("ACTION_PATH", support::repo_root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let args: Vec<String> = std::fs::read_to_string(&recorded)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(args.first().map(String::as_str), Some("install"));
    assert!(args.iter().any(|a| a == "--locked"), "{args:?}");
    let at = args.iter().position(|a| a == "--path").expect("--path");
    let package_dir = PathBuf::from(&args[at + 1]);
    let metadata = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(package_dir.join("Cargo.toml"))
        .output()
        .unwrap();
    assert!(metadata.status.success());
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let manifest = package_dir.join("Cargo.toml").canonicalize().unwrap();
    let package = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["manifest_path"].as_str().map(PathBuf::from) == Some(manifest.clone()))
        .expect("--path names a package, not a virtual manifest");
    assert!(
        package["targets"].as_array().unwrap().iter().any(|t| {
            t["name"] == "auditlint" && t["kind"].as_array().unwrap().contains(&"bin".into())
        }),
        "{package:#}"
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("auditlint "),
        "the step prints the installed version"
    );
}
