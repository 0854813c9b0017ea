//! The pre-commit hook under the real `pre-commit` (PyPI; `.ci/deps` installs it in
//! `target/ci-venv`), with every README configuration run as written:
//!
//! - `pre-commit-local` and `pre-commit-baseline` (`repo: local`, `language: system`): `pre-commit
//!   run` on the staged files of scratch repositories, with the binary `cargo test` built on
//!   `PATH` — the "installed" auditlint. Cheap.
//! - `release` and `pre-commit-remote`: the release step's two lines run in a snapshot of this
//!   working tree (its `origin` a local bare repository), then `pre-commit run` with the README's
//!   remote configuration, its one placeholder (`/path/to/auditlint`) replaced by that bare
//!   repository. `language: rust` makes pre-commit run `cargo install --bins --path .` in its own
//!   clone, as it does for a user; every case shares one `PRE_COMMIT_HOME`, so that install
//!   happens once. Then one case through `pre-commit try-repo` (which keeps its own store, so it
//!   installs again; cargo's target directory is shared, so only auditlint's own crates rebuild).
//!
//! The install is what costs: to keep the suite lean it runs with the release profile made as
//! cheap as a debug build (`CARGO_PROFILE_RELEASE_*`: no optimisation, no LTO), and cargo's target
//! directory is kept in `target/precommit-install`, so a later run rebuilds only what changed.
//! A user's install is the real release profile; the hook's behaviour does not depend on it.
//!
//! The snapshot: pre-commit installs a hook repository at a commit, and a working copy
//! mid-change has new files no commit holds yet. So the test commits a snapshot of the working
//! tree (every file git tracks or would track) into a scratch repository; in CI's fresh clone
//! the snapshot is simply the checkout.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const RUST_WRAPPER: &str =
    "pub async fn write_audit(pool: &PgPool, user: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(\"INSERT INTO staff_audit_logs (user_id) VALUES ($1)\", user).execute(pool).await?;
    Ok(())
}
";

const RUST_CALLER: &str = "use crate::audit::write_audit;

pub async fn purge(pool: &PgPool, user: &str) {
    let _ = write_audit(pool, user).await;
}
";

/// Git with a fixed identity and none of the variables a surrounding git hook may have set.
fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .env("GIT_AUTHOR_NAME", "auditlint tests")
        .env("GIT_AUTHOR_EMAIL", "tests@auditlint.invalid")
        .env("GIT_COMMITTER_NAME", "auditlint tests")
        .env("GIT_COMMITTER_EMAIL", "tests@auditlint.invalid");
    for variable in GIT_VARIABLES {
        command.env_remove(variable);
    }
    command
}

fn run_git(dir: &Path, args: &[&str]) -> String {
    let output = git(dir).args(args).output().expect("run git");
    assert!(
        output.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Commits the repository's working tree (tracked and untracked, not ignored) into a new
/// repository at `to`; returns the commit id.
fn snapshot_of_this_repository(to: &Path) -> String {
    let root = support::repo_root();
    let listed = run_git(
        &root,
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    );
    std::fs::create_dir_all(to).unwrap();
    for rel in listed.split('\0').filter(|p| !p.is_empty()) {
        let from = root.join(rel);
        // Deleted but still tracked files, and submodules, are not part of the tree.
        if !from.is_file() {
            continue;
        }
        let target = to.join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&from, &target).unwrap();
    }
    run_git(to, &["init", "-q"]);
    run_git(to, &["add", "-A"]);
    run_git(to, &["commit", "-q", "-m", "snapshot"]);
    run_git(to, &["rev-parse", "HEAD"]).trim().to_owned()
}

/// The environment variables a surrounding git hook may have set, which would point git in the
/// scratch repositories at the wrong place.
const GIT_VARIABLES: [&str; 4] = [
    "GIT_DIR",
    "GIT_INDEX_FILE",
    "GIT_WORK_TREE",
    "GIT_OBJECT_DIRECTORY",
];

/// `pre-commit` with its own store (`home`) and the cheap release profile for `cargo install`.
fn pre_commit(tool: &Path, home: &Path, project: &Path) -> Command {
    let mut command = Command::new(tool);
    command
        .current_dir(project)
        .env("PRE_COMMIT_HOME", home)
        .env("PRE_COMMIT_COLOR", "never")
        .env(
            "CARGO_TARGET_DIR",
            support::repo_root().join("target/precommit-install"),
        )
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true")
        .env_remove("NO_COLOR");
    for variable in GIT_VARIABLES {
        command.env_remove(variable);
    }
    command
}

/// `pre-commit run` (what `git commit` runs: the staged files) in `project`.
fn run_hooks(tool: &Path, home: &Path, project: &Path, path_first: Option<&Path>) -> Output {
    let mut command = pre_commit(tool, home, project);
    command.args(["run", "--color", "never"]);
    if let Some(dir) = path_first {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![dir.to_path_buf()];
        dirs.extend(std::env::split_paths(&path));
        command.env("PATH", std::env::join_paths(dirs).unwrap());
    }
    command.output().expect("run pre-commit")
}

fn describe(output: &Output) -> String {
    format!(
        "exit code {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A new repository with `committed` files in its first commit and `staged` files added to
/// the index (not committed); `untracked` files are only written.
fn project(
    dir: &Path,
    committed: &[(&str, &str)],
    staged: &[(&str, &str)],
    untracked: &[(&str, &str)],
) {
    std::fs::create_dir_all(dir).unwrap();
    run_git(dir, &["init", "-q"]);
    write(dir, "README.md", "a project\n");
    for (path, text) in committed {
        write(dir, path, text);
    }
    run_git(dir, &["add", "-A"]);
    run_git(dir, &["commit", "-q", "-m", "base"]);
    for (path, text) in staged {
        write(dir, path, text);
        run_git(dir, &["add", path]);
    }
    for (path, text) in untracked {
        write(dir, path, text);
    }
}

const SWALLOWED: &str = "export async function purge(db: D1Database, id: string) {\n  try {\n    await db.prepare(\"INSERT INTO staff_audit_logs (id) VALUES (?)\").bind(id).run();\n  } catch (err) {}\n}\n";

const RETHROWN: &str = "export async function purge(db: D1Database, id: string) {\n  try {\n    await db.prepare(\"INSERT INTO staff_audit_logs (id) VALUES (?)\").bind(id).run();\n  } catch (err) {\n    throw err;\n  }\n}\n";

const WRAPPER: &str = "export async function logPurge(db: D1Database, id: string) {\n  await db.prepare(\"INSERT INTO staff_audit_logs (id) VALUES (?)\").bind(id).run();\n}\n";

const CALLER: &str = "import { logPurge } from \"../lib/audit\";\n\nexport async function purge(db: D1Database, id: string) {\n  try {\n    await logPurge(db, id);\n  } catch (err) {}\n}\n";

/// The directory of the binary `cargo test` built: on `PATH`, it is the installed auditlint.
fn built_binary_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_auditlint"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn pre_commit_tool() -> Option<PathBuf> {
    support::external_tool("AUDITLINT_TEST_PRE_COMMIT", "target/ci-venv/bin/pre-commit")
}

fn assert_fails_with(output: &Output, location: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{}", describe(output));
    assert!(
        stdout.contains("auditlint") && stdout.contains("Failed"),
        "{}",
        describe(output)
    );
    assert!(
        stdout.contains("audit-error-swallowed") && stdout.contains(location),
        "{location}: {}",
        describe(output)
    );
}

fn assert_passes(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "{}", describe(output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Passed"),
        "{}",
        describe(output)
    );
}

#[test]
fn the_readme_local_hook_checks_staged_files() {
    let Some(tool) = pre_commit_tool() else {
        return;
    };
    let config = support::readme_snippet("pre-commit-local");
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("pre-commit-home");
    let bin = built_binary_dir();

    let swallowing = scratch.path().join("swallowing");
    project(
        &swallowing,
        &[(".pre-commit-config.yaml", &config)],
        &[("src/purge.ts", SWALLOWED)],
        &[],
    );
    let output = run_hooks(&tool, &home, &swallowing, Some(&bin));
    assert_fails_with(&output, "src/purge.ts:4:5");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("`staff_audit_logs`"),
        "{}",
        describe(&output)
    );

    let clean = scratch.path().join("clean");
    project(
        &clean,
        &[(".pre-commit-config.yaml", &config)],
        &[("src/purge.ts", RETHROWN)],
        &[],
    );
    assert_passes(&run_hooks(&tool, &home, &clean, Some(&bin)));
}

#[test]
fn the_readme_baseline_hook_lets_old_findings_through_and_stops_new_ones() {
    let Some(tool) = pre_commit_tool() else {
        return;
    };
    let config = support::readme_snippet("pre-commit-baseline");
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("pre-commit-home");
    let bin = built_binary_dir();
    let dir = scratch.path().join("legacy");
    project(
        &dir,
        &[
            (".pre-commit-config.yaml", &config),
            ("src/purge.ts", SWALLOWED),
        ],
        &[],
        &[],
    );
    // The README's step: record the baseline and commit it.
    let recorded = std::process::Command::new(env!("CARGO_BIN_EXE_auditlint"))
        .current_dir(&dir)
        .args(["baseline", ".auditlint-baseline.json"])
        .output()
        .unwrap();
    assert_eq!(recorded.status.code(), Some(0), "{}", describe(&recorded));
    run_git(&dir, &["add", ".auditlint-baseline.json"]);
    run_git(&dir, &["commit", "-q", "-m", "baseline"]);

    // A comment-only edit to the file with the old finding: its lines move, the hook passes.
    write(
        &dir,
        "src/purge.ts",
        &format!("// Purges the CDN.\n{SWALLOWED}"),
    );
    run_git(&dir, &["add", "src/purge.ts"]);
    assert_passes(&run_hooks(&tool, &home, &dir, Some(&bin)));

    // A new swallowed insert in another staged file fails.
    write(&dir, "src/revoke.ts", &SWALLOWED.replace("purge", "revoke"));
    run_git(&dir, &["add", "src/revoke.ts"]);
    let output = run_hooks(&tool, &home, &dir, Some(&bin));
    assert_fails_with(&output, "src/revoke.ts:4:5");
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("src/purge.ts:"),
        "{}",
        describe(&output)
    );
}

/// One test, so the cases run one after another on one hook installation.
#[test]
fn the_readme_release_and_remote_hook_check_staged_files_with_the_project_indexed() {
    let Some(tool) = pre_commit_tool() else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let repo = scratch.path().join("auditlint");
    snapshot_of_this_repository(&repo);
    // The release step, as written, with `origin` a bare repository: the users' mirror.
    let mirror = scratch.path().join("mirror.git");
    run_git(scratch.path(), &["init", "-q", "--bare", "mirror.git"]);
    run_git(
        &repo,
        &["remote", "add", "origin", mirror.to_str().unwrap()],
    );
    let mut release = Command::new("sh");
    release
        .current_dir(&repo)
        .args(["-euc", &support::readme_snippet("release")])
        .env("GIT_AUTHOR_NAME", "auditlint tests")
        .env("GIT_AUTHOR_EMAIL", "tests@auditlint.invalid")
        .env("GIT_COMMITTER_NAME", "auditlint tests")
        .env("GIT_COMMITTER_EMAIL", "tests@auditlint.invalid")
        .env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "tag.gpgSign")
        .env("GIT_CONFIG_VALUE_0", "false");
    for variable in GIT_VARIABLES {
        release.env_remove(variable);
    }
    let release = release.output().expect("run the release step");
    assert!(release.status.success(), "{}", describe(&release));
    run_git(&mirror, &["rev-parse", "--verify", "v0.1.0^{commit}"]);

    let config = support::readme_snippet("pre-commit-remote");
    assert!(config.contains("repo: /path/to/auditlint\n"), "{config}");
    let config = config.replace("/path/to/auditlint", mirror.to_str().unwrap());
    let home = scratch.path().join("pre-commit-home");
    // The remote configuration carries the baseline; each project records an empty one.
    let with_config = |files: &[(&'static str, &'static str)]| -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = vec![
            (".pre-commit-config.yaml".into(), config.clone()),
            (
                ".auditlint-baseline.json".into(),
                "{\n  \"version\": 1,\n  \"findings\": []\n}\n".into(),
            ),
        ];
        all.extend(files.iter().map(|(p, t)| (p.to_string(), t.to_string())));
        all
    };
    let run_remote = |name: &str,
                      committed: &[(&'static str, &'static str)],
                      staged: &[(&'static str, &'static str)],
                      untracked: &[(&'static str, &'static str)]| {
        let dir = scratch.path().join(name);
        let committed = with_config(committed);
        let committed: Vec<(&str, &str)> = committed
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        project(&dir, &committed, staged, untracked);
        run_hooks(&tool, &home, &dir, None)
    };

    // A staged file that swallows an audit insert: the hook fails and prints the finding.
    let output = run_remote("swallowing", &[], &[("src/purge.ts", SWALLOWED)], &[]);
    assert_fails_with(&output, "src/purge.ts:4:5");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("`staff_audit_logs`"),
        "{}",
        describe(&output)
    );

    // A clean staged file passes.
    assert_passes(&run_remote(
        "clean",
        &[],
        &[("src/purge.ts", RETHROWN)],
        &[],
    ));

    // Staged Rust files are checked too (the hook's `files` pattern takes `.rs`): a wrapper
    // committed earlier, its staged caller dropping the error with `let _`.
    let output = run_remote(
        "rust",
        &[
            ("src/lib.rs", "mod audit;\nmod purge;\n"),
            ("src/audit.rs", RUST_WRAPPER),
        ],
        &[("src/purge.rs", RUST_CALLER)],
        &[],
    );
    assert_fails_with(&output, "src/purge.rs:4:5");

    // The wrapper is in a file that is not staged (committed earlier, or not yet added): only
    // the caller is passed to the hook, and the finding still needs the wrapper's facts.
    for (name, committed, untracked) in [
        (
            "wrapper-committed",
            &[("src/lib/audit.ts", WRAPPER)][..],
            &[][..],
        ),
        (
            "wrapper-untracked",
            &[][..],
            &[("src/lib/audit.ts", WRAPPER)][..],
        ),
    ] {
        let output = run_remote(
            name,
            committed,
            &[("src/routes/purge.ts", CALLER)],
            untracked,
        );
        assert_fails_with(&output, "src/routes/purge.ts:6:5");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("src/lib/audit.ts"),
            "{name}: {}",
            describe(&output)
        );
    }

    // `pre-commit try-repo`, the way to try the hook before configuring it (it keeps a store
    // of its own, so it installs again; cargo's shared target directory makes that quick).
    let dir = scratch.path().join("try-repo");
    project(&dir, &[], &[("src/purge.ts", SWALLOWED)], &[]);
    let output = pre_commit(&tool, &home, &dir)
        .args(["try-repo", "--color", "never", "--ref", "v0.1.0"])
        .arg(&mirror)
        .arg("auditlint")
        .output()
        .expect("run pre-commit try-repo");
    assert_fails_with(&output, "src/purge.ts:4:5");
}
