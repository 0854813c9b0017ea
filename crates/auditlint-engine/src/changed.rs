//! `--changed-since REV`: which lines of the project were added or changed since the merge base
//! of `REV` and `HEAD`, so a pull request is held to account for its own lines only.
//!
//! The analysis itself stays whole-project (cross-file facts need every file); only the report
//! is narrowed, after suppressions and the baseline have been applied. `git` is run as a
//! subprocess in the project root:
//!
//! 1. `git rev-parse --verify REV^{commit}`: REV must name a commit (a clear error otherwise);
//! 2. `git merge-base <rev> HEAD`: the fork point, as GitHub's pull-request diff uses it;
//! 3. `git diff --unified=0 <base>`: the working tree against it, so committed, staged and
//!    unstaged edits all count; a hunk's `+start,count` is what was added or changed;
//! 4. `git ls-files --others --exclude-standard`: untracked files that are not ignored are new
//!    code too, every line of them.
//!
//! Renames are followed (`--find-renames`), so a moved file counts only its edited lines.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::Path;
use std::process::{Command, Output};

use auditlint_core::Report;

use crate::EngineError;

/// The added or changed lines of each project file, by project-relative `/` path.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ChangedLines {
    files: HashMap<String, Changed>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Changed {
    /// A new, untracked file: every line.
    Whole,
    /// 1-based inclusive line ranges.
    Lines(Vec<RangeInclusive<u32>>),
}

impl ChangedLines {
    /// The lines of the project at `root` added or changed since `git merge-base REV HEAD`.
    pub(crate) fn since(root: &Path, rev: &str) -> Result<Self, EngineError> {
        let fail =
            |message: String| EngineError::Usage(format!("--changed-since {rev}: {message}"));
        let inside = git(root, &["rev-parse", "--is-inside-work-tree"])?;
        if !inside.status.success() {
            return Err(fail(format!(
                "{} is not inside a git repository",
                root.display()
            )));
        }
        let commit = git(
            root,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &format!("{rev}^{{commit}}"),
            ],
        )?;
        if !commit.status.success() {
            return Err(fail(
                "no such commit in this repository (in CI, fetch the history: \
                 `actions/checkout` with `fetch-depth: 0`)"
                    .into(),
            ));
        }
        let commit = stdout_line(&commit);
        let base = git(root, &["merge-base", &commit, "HEAD"])?;
        if !base.status.success() {
            return Err(fail(format!(
                "it has no common ancestor with HEAD{}",
                stderr_suffix(&base)
            )));
        }
        let base = stdout_line(&base);
        let diff = git(
            root,
            &[
                "-c",
                "core.quotePath=false",
                "diff",
                "--unified=0",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--find-renames",
                "--relative",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                &base,
                "--",
            ],
        )?;
        if !diff.status.success() {
            return Err(fail(format!("`git diff` failed{}", stderr_suffix(&diff))));
        }
        let mut changed = Self::from_diff(&String::from_utf8_lossy(&diff.stdout));
        let untracked = git(root, &["ls-files", "--others", "--exclude-standard", "-z"])?;
        if !untracked.status.success() {
            return Err(fail(format!(
                "`git ls-files` failed{}",
                stderr_suffix(&untracked)
            )));
        }
        for path in String::from_utf8_lossy(&untracked.stdout).split('\0') {
            if !path.is_empty() {
                changed.files.insert(path.to_owned(), Changed::Whole);
            }
        }
        Ok(changed)
    }

    /// Parses `git diff --unified=0` output: the `+++ b/path` of each file, then the new-side
    /// range of each hunk header (`@@ -a,b +c,d @@`). Deleted files add nothing.
    fn from_diff(diff: &str) -> Self {
        let mut files: HashMap<String, Changed> = HashMap::new();
        let mut current: Option<String> = None;
        // Between `diff --git` and the first hunk: `+++ ` is a header, not an added line.
        let mut in_header = false;
        for line in diff.lines() {
            if line.starts_with("diff --git ") {
                in_header = true;
                current = None;
            } else if in_header && let Some(name) = line.strip_prefix("+++ ") {
                current = new_side_path(name);
            } else if let Some(hunk) = line.strip_prefix("@@ ") {
                in_header = false;
                let (Some(path), Some(range)) = (&current, new_side_range(hunk)) else {
                    continue;
                };
                match files
                    .entry(path.clone())
                    .or_insert_with(|| Changed::Lines(Vec::new()))
                {
                    Changed::Lines(ranges) => ranges.push(range),
                    Changed::Whole => {}
                }
            }
        }
        Self { files }
    }

    /// Was 1-based `line` of project-relative `path` added or changed?
    pub(crate) fn contains(&self, path: &str, line: u32) -> bool {
        match self.files.get(path) {
            Some(Changed::Whole) => true,
            Some(Changed::Lines(ranges)) => ranges.iter().any(|range| range.contains(&line)),
            None => false,
        }
    }

    /// Keeps the findings whose primary line was added or changed, and the shown sources they
    /// need. Paths are still project-relative here; [`crate::check`] recounts the summary after.
    pub(crate) fn narrow(&self, report: &mut Report) {
        report
            .findings
            .retain(|finding| self.contains(&finding.path, finding.start.line));
        let shown: std::collections::HashSet<&str> = report
            .findings
            .iter()
            .flat_map(|f| std::iter::once(&f.path).chain(f.labels.iter().map(|l| &l.path)))
            .map(String::as_str)
            .collect();
        report
            .sources
            .retain(|path, _| shown.contains(path.as_str()));
    }
}

/// `b/src/a.ts` → `src/a.ts`; `"b/a\"b.ts"` (git's C-style quoting) → `a"b.ts`; `/dev/null`
/// (a deleted file) → `None`. Git appends a tab to names that contain a space.
fn new_side_path(name: &str) -> Option<String> {
    let name = name.strip_suffix('\t').unwrap_or(name);
    if name == "/dev/null" {
        return None;
    }
    let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(quoted) => unquote(quoted)?,
        None => name.to_owned(),
    };
    name.strip_prefix("b/").map(str::to_owned)
}

/// Undoes git's C-style quoting: `\\`, `\"`, `\t`, `\n`, … and `\ooo` octal bytes.
fn unquote(quoted: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(quoted.len());
    let mut rest = quoted.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        if byte != b'\\' {
            bytes.push(byte);
            continue;
        }
        let (&escape, tail) = rest.split_first()?;
        rest = tail;
        bytes.push(match escape {
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            b'0'..=b'3' => {
                let digits = rest.get(..2)?;
                rest = &rest[2..];
                let octal = [escape, digits[0], digits[1]];
                u8::from_str_radix(std::str::from_utf8(&octal).ok()?, 8).ok()?
            }
            other => other,
        });
    }
    String::from_utf8(bytes).ok()
}

/// The new side of a hunk header `-a,b +c,d @@ …`: lines `c ..= c+d-1` (`d` defaults to 1;
/// `d == 0` is a pure deletion, nothing added).
fn new_side_range(header: &str) -> Option<RangeInclusive<u32>> {
    let new_side = header.split(' ').find_map(|part| part.strip_prefix('+'))?;
    let (start, count) = match new_side.split_once(',') {
        Some((start, count)) => (start.parse::<u32>().ok()?, count.parse::<u32>().ok()?),
        None => (new_side.parse::<u32>().ok()?, 1),
    };
    (count > 0).then(|| start..=start + (count - 1))
}

fn git(dir: &Path, args: &[&str]) -> Result<Output, EngineError> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|err| EngineError::Usage(format!("--changed-since needs `git`: {err}")))
}

fn stdout_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn stderr_suffix(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stderr = stderr.trim();
    if stderr.is_empty() {
        String::new()
    } else {
        format!(" ({stderr})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "\
diff --git a/src/a.ts b/src/a.ts
index 1111111..2222222 100644
--- a/src/a.ts
+++ b/src/a.ts
@@ -3 +3 @@ export function f() {
-  old();
+  new();
@@ -10,0 +11,2 @@ export function g() {
+++ a line that starts with two pluses
+  more();
@@ -20,3 +22,0 @@
-  gone();
-  gone();
-  gone();
diff --git a/old.ts b/old.ts
deleted file mode 100644
--- a/old.ts
+++ /dev/null
@@ -1 +0,0 @@
-x
diff --git \"a/we\\\"ird n\\303\\251.ts\" \"b/we\\\"ird n\\303\\251.ts\"
--- \"a/we\\\"ird n\\303\\251.ts\"
+++ \"b/we\\\"ird n\\303\\251.ts\"
@@ -0,0 +1 @@
+y
diff --git a/with space.ts b/with space.ts
--- a/with space.ts\t
+++ b/with space.ts\t
@@ -5,0 +6 @@
+z
";

    #[test]
    fn parses_hunks_of_the_new_side() {
        let changed = ChangedLines::from_diff(DIFF);
        assert!(changed.contains("src/a.ts", 3));
        assert!(!changed.contains("src/a.ts", 4));
        assert!(!changed.contains("src/a.ts", 10));
        assert!(changed.contains("src/a.ts", 11));
        assert!(changed.contains("src/a.ts", 12));
        assert!(!changed.contains("src/a.ts", 13));
        assert!(
            !changed.contains("src/a.ts", 22),
            "a pure deletion adds no line"
        );
        assert!(!changed.contains("old.ts", 1));
        assert!(changed.contains("we\"ird né.ts", 1));
        assert!(changed.contains("with space.ts", 6));
        assert!(!changed.contains("with space.ts", 5));
        assert!(
            !changed
                .files
                .contains_key("a line that starts with two pluses"),
            "`+++` inside a hunk is content"
        );
    }

    #[test]
    fn hunk_ranges() {
        assert_eq!(new_side_range("-1,2 +3,4 @@"), Some(3..=6));
        assert_eq!(new_side_range("-1 +7 @@ fn x"), Some(7..=7));
        assert_eq!(new_side_range("-5,2 +4,0 @@"), None);
    }
}
