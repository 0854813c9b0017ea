//! `check --changed-since REV`: the whole project is analysed, only findings on lines added or
//! changed since `git merge-base REV HEAD` (committed, staged, unstaged or untracked) are
//! reported; a bad REV or a directory outside git is a clear error (exit 2).

mod support;

use std::path::Path;

use support::git;

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const WRAPPER: &str = "export async function logPurge(db: D1Database, id: string) {\n  await db.prepare(\"INSERT INTO staff_audit_logs (id) VALUES (?)\").bind(id).run();\n}\n";

/// A route that swallows the wrapper's error: one finding at the `catch`.
fn swallowing_route(name: &str) -> String {
    format!(
        "import {{ logPurge }} from \"../lib/audit\";\n\nexport async function {name}(db: D1Database, id: string) {{\n  try {{\n    await logPurge(db, id);\n  }} catch (err) {{}}\n}}\n"
    )
}

/// (path, line) of every finding.
fn findings(dir: &Path, extra: &[&str]) -> Vec<(String, u64)> {
    let (code, json) = support::check_json(dir, extra);
    assert_eq!(code, 0, "{json:#}");
    let mut found: Vec<(String, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn only_lines_changed_since_the_merge_base_are_reported() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    write(dir, "auditlint.toml", "");
    write(dir, "src/lib/audit.ts", WRAPPER);
    write(dir, "src/routes/old.ts", &swallowing_route("old"));
    write(
        dir,
        "src/routes/fixed-on-main.ts",
        &swallowing_route("fixedOnMain"),
    );
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "base"]);

    // The branch: a new route (committed), an edit to an old one (unstaged), a new untracked
    // file; the wrapper they call is unchanged.
    git(dir, &["checkout", "-q", "-b", "feature"]);
    write(dir, "src/routes/new.ts", &swallowing_route("fresh"));
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "new route"]);
    // Meanwhile main fixes another file: diffing against main's tip would make its old lines
    // look added on the branch; the merge base does not.
    git(dir, &["checkout", "-q", "main"]);
    write(
        dir,
        "src/routes/fixed-on-main.ts",
        &swallowing_route("fixedOnMain").replace("catch (err) {}", "catch (err) { throw err; }"),
    );
    git(dir, &["commit", "-q", "-am", "fix on main"]);
    git(dir, &["checkout", "-q", "feature"]);
    write(
        dir,
        "src/routes/old.ts",
        &swallowing_route("old").replace("} catch (err) {}", "} catch (error) {}"),
    );
    write(
        dir,
        "src/routes/untracked.ts",
        &swallowing_route("untracked"),
    );

    let everything = findings(dir, &[]);
    assert_eq!(
        everything,
        [
            ("src/routes/fixed-on-main.ts".to_owned(), 6),
            ("src/routes/new.ts".to_owned(), 6),
            ("src/routes/old.ts".to_owned(), 6),
            ("src/routes/untracked.ts".to_owned(), 6),
        ]
    );
    let changed = findings(dir, &["--changed-since", "main"]);
    assert_eq!(
        changed,
        [
            ("src/routes/new.ts".to_owned(), 6),
            ("src/routes/old.ts".to_owned(), 6),
            ("src/routes/untracked.ts".to_owned(), 6),
        ]
    );
    // A commit id works as well as a branch, and paths still narrow the report.
    let (_, json) = support::check_json(dir, &["--changed-since", "HEAD~1", "src/routes/old.ts"]);
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    assert_eq!(json["summary"]["findings"], 1);
    // Nothing changed since HEAD but the working-tree edits and the untracked files.
    let since_head = findings(dir, &["--changed-since", "HEAD"]);
    assert_eq!(
        since_head,
        [
            ("src/routes/old.ts".to_owned(), 6),
            ("src/routes/untracked.ts".to_owned(), 6),
        ]
    );
}

#[test]
fn a_project_below_the_repository_root_maps_paths() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    write(dir, "packages/api/auditlint.toml", "");
    write(dir, "packages/api/src/lib/audit.ts", WRAPPER);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "base"]);
    write(
        dir,
        "packages/api/src/routes/new.ts",
        &swallowing_route("fresh"),
    );
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "route"]);
    let project = dir.join("packages/api");
    assert_eq!(
        findings(&project, &["--changed-since", "HEAD~1"]),
        [("src/routes/new.ts".to_owned(), 6)]
    );
    // From the repository root, pointing at the package.
    assert_eq!(
        findings(dir, &["--changed-since", "HEAD~1", "packages/api"]),
        [("packages/api/src/routes/new.ts".to_owned(), 6)]
    );
}

#[test]
fn a_bad_revision_or_no_repository_is_a_usage_error() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    write(dir, "auditlint.toml", "");
    write(dir, "a.ts", "export const a = 1;\n");
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "base"]);
    // An option-looking REV is not passed to git as an option.
    for rev in ["no-such-branch", "--output=x.txt", "HEAD~5"] {
        let output = support::auditlint()
            .current_dir(dir)
            .args(["check", &format!("--changed-since={rev}")])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{rev}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("--changed-since {rev}: no such commit")),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
    }
    assert!(!dir.join("x.txt").exists());

    let plain = tempfile::tempdir().unwrap();
    write(plain.path(), "auditlint.toml", "");
    let output = support::auditlint()
        .current_dir(plain.path())
        .args(["check", "--changed-since", "main"])
        .env("GIT_CEILING_DIRECTORIES", plain.path().parent().unwrap())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is not inside a git repository"),
        "{stderr}"
    );
}
