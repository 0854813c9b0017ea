//! The pre-commit hook under the real `pre-commit` (PyPI; `.ci/deps` installs it in
//! `target/ci-venv`): `pre-commit try-repo <this repository> auditlint` in a fresh git
//! repository, on its staged files.
//!
//! `language: rust` makes pre-commit run `cargo install --bins --path .` in a clone of this
//! repository, so the hook is built exactly as a user's pre-commit builds it. That happens once:
//! the cases share one `PRE_COMMIT_HOME`, and cargo's target directory is kept under
//! `target/precommit-install` so later runs rebuild only what changed.
//!
//! `try-repo` installs the hook repository at a commit. Given a repository with uncommitted
//! changes it builds a shadow commit of the tracked modifications and the staged files, but new
//! files that are not staged are left out (in a working copy mid-change, they would be missing
//! from the build). So the test commits a snapshot of the working tree (every file git tracks or
//! would track) into a scratch repository and points `try-repo --ref` at that commit; in CI's
//! fresh clone the snapshot is simply the checkout.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Git with a fixed identity and none of the variables a surrounding git hook may have set.
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
    for variable in [
        "GIT_DIR",
        "GIT_INDEX_FILE",
        "GIT_WORK_TREE",
        "GIT_OBJECT_DIRECTORY",
    ] {
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

struct Hook {
    pre_commit: PathBuf,
    repo: PathBuf,
    rev: String,
    home: PathBuf,
}

impl Hook {
    /// `pre-commit try-repo <snapshot> auditlint` in `project`, on its staged files.
    fn run(&self, project: &Path) -> Output {
        let mut command = Command::new(&self.pre_commit);
        command
            .current_dir(project)
            .args(["try-repo", "--color", "never", "--ref", &self.rev])
            .arg(&self.repo)
            .arg("auditlint")
            .env("PRE_COMMIT_HOME", &self.home)
            .env(
                "CARGO_TARGET_DIR",
                support::repo_root().join("target/precommit-install"),
            )
            .env_remove("NO_COLOR");
        for variable in [
            "GIT_DIR",
            "GIT_INDEX_FILE",
            "GIT_WORK_TREE",
            "GIT_OBJECT_DIRECTORY",
        ] {
            command.env_remove(variable);
        }
        command.output().expect("run pre-commit")
    }
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

/// One test, so the cases run one after another on one hook installation.
#[test]
fn the_pre_commit_hook_checks_staged_files_with_the_project_indexed() {
    let Some(pre_commit) =
        support::external_tool("AUDITLINT_TEST_PRE_COMMIT", "target/ci-venv/bin/pre-commit")
    else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let repo = scratch.path().join("auditlint");
    let rev = snapshot_of_this_repository(&repo);
    let hook = Hook {
        pre_commit,
        repo,
        rev,
        home: scratch.path().join("pre-commit-home"),
    };

    // A staged file that swallows an audit insert: the hook fails and prints the finding.
    let swallowing = scratch.path().join("swallowing");
    project(&swallowing, &[], &[("src/purge.ts", SWALLOWED)], &[]);
    let output = hook.run(&swallowing);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        stdout.contains("auditlint") && stdout.contains("Failed"),
        "{}",
        describe(&output)
    );
    assert!(
        stdout.contains("audit-error-swallowed") && stdout.contains("src/purge.ts:4:5"),
        "{}",
        describe(&output)
    );
    assert!(
        stdout.contains("`staff_audit_logs`"),
        "{}",
        describe(&output)
    );

    // A clean staged file passes.
    let clean = scratch.path().join("clean");
    project(&clean, &[], &[("src/purge.ts", RETHROWN)], &[]);
    let output = hook.run(&clean);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Passed"));

    // Staged Rust files are checked too (the hook's `files` pattern takes `.rs`): a wrapper
    // committed earlier, its staged caller dropping the error with `let _`.
    let rust = scratch.path().join("rust");
    project(
        &rust,
        &[
            ("src/lib.rs", "mod audit;\nmod purge;\n"),
            ("src/audit.rs", RUST_WRAPPER),
        ],
        &[("src/purge.rs", RUST_CALLER)],
        &[],
    );
    let output = hook.run(&rust);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        stdout.contains("audit-error-swallowed") && stdout.contains("src/purge.rs:4:5"),
        "{}",
        describe(&output)
    );

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
        let dir = scratch.path().join(name);
        project(
            &dir,
            committed,
            &[("src/routes/purge.ts", CALLER)],
            untracked,
        );
        let output = hook.run(&dir);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: {}",
            describe(&output)
        );
        assert!(
            stdout.contains("audit-error-swallowed") && stdout.contains("src/routes/purge.ts:6:5"),
            "{name}: {}",
            describe(&output)
        );
        assert!(
            stdout.contains("src/lib/audit.ts"),
            "{name}: {}",
            describe(&output)
        );
    }
}
