//! Discovery: a gitignore-aware parallel walk of the project that never follows a symlink.

use std::path::Path;
use std::sync::Mutex;

use auditlint_core::{Config, FileError, SkipKind, SkippedFile};
use ignore::{WalkBuilder, WalkState};

use std::sync::Arc;

use crate::analysis::{Held, Text};
use crate::generated;
use crate::paths::slash;
use crate::read::Unread;

/// A source file found, read once and prefiltered.
pub struct FoundSource {
    /// Project-relative, `/`-separated.
    pub path: String,
    pub content: Content,
    /// The first prefilter matched it.
    pub matched: bool,
}

/// What reading a source file gave.
pub enum Content {
    /// Its text: the buffer it was read into (sized to the file), shared without a copy.
    Text(Text),
    /// Passed over by the first prefilter and held without its text ([`Verdict::Passed`]).
    Held(Arc<Held>),
    /// Why it could not be read (an error naming the file; empty until it is read).
    Unread(String),
}

/// What the first prefilter says of a file as it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The first round parses it.
    Selected,
    /// The first round passes it over (or has not decided yet); its text is kept.
    Kept,
    /// The first round passes it over, and a later round may read it again: a Rust file is
    /// then held without its text ([`Held`]), freed here while it is in this thread's cache
    /// and before the others are read (rustfs: RSS after reading 42 -> 21 MiB; the parse
    /// phase's peak, about 100 MiB, is its own).
    Passed,
}

pub struct Discovered {
    /// Source files, sorted by path.
    pub sources: Vec<FoundSource>,
    /// `package.json`, `tsconfig.json`, `go.mod` and `pyproject.toml` files, sorted.
    pub manifests: Vec<String>,
    /// Generated code and tests, found and deliberately not read or not analysed, sorted.
    pub skipped: Vec<SkippedFile>,
}

const SOURCE_EXTENSIONS: &[&str] = &[
    "ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs", "rs", "go", "py", "pyi",
];

pub fn is_source(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| SOURCE_EXTENSIONS.contains(&ext))
}

enum Found {
    Source(FoundSource),
    Manifest(String),
    Skipped(SkippedFile),
    Error(FileError),
}

/// Walks the project. `scopes` are the checked paths (project-relative; empty: the whole
/// project): a test file is skipped unless a checked path that contains it is itself a test path.
pub fn discover(
    root: &Path,
    config: &Config,
    scopes: &[String],
    read: &(dyn Fn(&Path) -> Result<String, Unread> + Sync),
    prefilter: &(dyn Fn(&str, &Text) -> Verdict + Sync),
) -> (Discovered, Vec<FileError>) {
    let found: Mutex<Vec<Found>> = Mutex::new(Vec::new());
    let exclude = config.exclude.clone();
    let excluded = move |rel: &str, is_dir: bool| {
        exclude.is_match(rel) || (is_dir && exclude.is_match(format!("{rel}/_")))
    };
    let walk_root = root.to_path_buf();
    WalkBuilder::new(root)
        .follow_links(false)
        .require_git(false)
        .hidden(true)
        .filter_entry(move |entry| {
            let Ok(rel) = entry.path().strip_prefix(&walk_root) else {
                return true;
            };
            let rel = slash(rel);
            rel.is_empty() || !excluded(&rel, entry.file_type().is_some_and(|t| t.is_dir()))
        })
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                let item = match entry {
                    Err(err) => Some(Found::Error(walk_error(root, &err))),
                    Ok(entry) => classify(
                        root,
                        entry.path(),
                        entry.path_is_symlink(),
                        entry.file_type(),
                    ),
                };
                let item = item.map(|item| match item {
                    Found::Source(source) => skip_unread(source, config, scopes)
                        .unwrap_or_else(|source| read_found(root, source, read, prefilter)),
                    other => other,
                });
                if let Some(item) = item
                    && let Ok(mut found) = found.lock()
                {
                    found.push(item);
                }
                WalkState::Continue
            })
        });
    let mut sources = Vec::new();
    let mut manifests = Vec::new();
    let mut skipped = Vec::new();
    let mut errors = Vec::new();
    for item in found.into_inner().unwrap_or_default() {
        match item {
            Found::Source(s) => sources.push(s),
            Found::Manifest(p) => manifests.push(p),
            Found::Skipped(s) => skipped.push(s),
            Found::Error(e) => errors.push(e),
        }
    }
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    manifests.sort();
    skipped.sort();
    (
        Discovered {
            sources,
            manifests,
            skipped,
        },
        errors,
    )
}

/// A source file that is not read at all: build output by its path, or a test file.
fn skip_unread(
    source: FoundSource,
    config: &Config,
    scopes: &[String],
) -> Result<Found, FoundSource> {
    let skipped = |kind, reason| {
        Ok(Found::Skipped(SkippedFile {
            path: source.path.clone(),
            kind,
            reason,
        }))
    };
    if let Some(reason) = generated::by_path(&source.path) {
        return skipped(SkipKind::Generated, reason);
    }
    if is_skipped_test(&source.path, config, scopes) {
        return skipped(
            SkipKind::Test,
            "test, bench or example code (`[files] check-tests`)".into(),
        );
    }
    Err(source)
}

/// Test code is skipped unless the project asks for it (`check-tests`) or the user named it: a
/// checked path that contains the file and is itself a test path (`tests/audit.test.ts`,
/// `packages/api/tests`).
pub fn is_skipped_test(rel: &str, config: &Config, scopes: &[String]) -> bool {
    let is_test =
        |path: &str| config.tests.is_match(path) || config.tests.is_match(format!("{path}/_"));
    if config.check_tests || !config.tests.is_match(rel) {
        return false;
    }
    !scopes.iter().any(|scope| {
        !scope.is_empty()
            && (rel == scope
                || rel
                    .strip_prefix(scope.as_str())
                    .is_some_and(|r| r.starts_with('/')))
            && is_test(scope)
    })
}

/// Reads a source file once and prefilters it; generated text is skipped, not an error.
fn read_found(
    root: &Path,
    mut source: FoundSource,
    read: &(dyn Fn(&Path) -> Result<String, Unread> + Sync),
    prefilter: &(dyn Fn(&str, &Text) -> Verdict + Sync),
) -> Found {
    match read(entry_path(root, &source.path).as_path()) {
        Ok(text) => {
            let text = Text::from(text);
            let verdict = prefilter(&source.path, &text);
            source.matched = verdict == Verdict::Selected;
            source.content = if verdict == Verdict::Passed && Held::applies(&source.path) {
                Content::Held(Held::new(entry_path(root, &source.path), &text))
            } else {
                Content::Text(text)
            };
            Found::Source(source)
        }
        Err(Unread::Generated(reason)) => Found::Skipped(SkippedFile {
            path: source.path,
            kind: SkipKind::Generated,
            reason,
        }),
        Err(Unread::Problem(message)) => {
            source.content = Content::Unread(message);
            Found::Source(source)
        }
    }
}

fn entry_path(root: &Path, rel: &str) -> std::path::PathBuf {
    root.join(rel)
}

fn classify(
    root: &Path,
    path: &Path,
    is_symlink: bool,
    file_type: Option<std::fs::FileType>,
) -> Option<Found> {
    let rel = slash(path.strip_prefix(root).ok()?);
    if is_symlink {
        // Never followed: a link inside the project is checked at its target; one leaving the
        // project, dangling or looping is reported so nothing is skipped silently.
        return match path.canonicalize() {
            // A dangling link whose name is no source file's (`.env` → a missing secrets file)
            // can hold no code: nothing is skipped by leaving it out. A loop may be a folder.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !is_source(&rel) => None,
            Err(err) => Some(Found::Error(FileError {
                path: rel,
                message: format!("symlink not followed: it is dangling or loops ({err})"),
            })),
            Ok(target) if !target.starts_with(root) => {
                let relevant = target.is_dir() || is_source(&rel);
                relevant.then(|| {
                    Found::Error(FileError {
                        path: rel,
                        message: "symlink not followed: it points outside the project".into(),
                    })
                })
            }
            Ok(_) => None,
        };
    }
    if !file_type.is_some_and(|t| t.is_file()) {
        // A FIFO, socket or device named like a source file is never opened (it could block
        // the run), and never skipped silently.
        let special = file_type.is_some_and(|t| !t.is_dir() && !t.is_symlink());
        return (special && is_source(&rel)).then(|| {
            Found::Error(FileError {
                path: rel,
                message:
                    "not a regular file (a directory, FIFO, socket or device); it was not read"
                        .into(),
            })
        });
    }
    // Reports carry paths as UTF-8 text: such a name could not be written back faithfully (nor
    // told apart from another that differs only in its invalid bytes), so it is not read.
    if path.strip_prefix(root).ok()?.to_str().is_none() {
        return is_source(&rel).then(|| {
            Found::Error(FileError {
                path: rel,
                message: "not checked: its name is not valid UTF-8 (auditlint names files in \
                          UTF-8 text); rename it to check it"
                    .into(),
            })
        });
    }
    let name = rel.rsplit('/').next().unwrap_or(&rel);
    if name == "package.json"
        || name == "tsconfig.json"
        || name == "go.mod"
        || name == "pyproject.toml"
    {
        return Some(Found::Manifest(rel));
    }
    is_source(&rel).then(|| {
        Found::Source(FoundSource {
            path: rel,
            content: Content::Unread(String::new()),
            matched: false,
        })
    })
}

fn walk_error(root: &Path, err: &ignore::Error) -> FileError {
    let mut path = None;
    let mut current = err;
    loop {
        match current {
            ignore::Error::WithPath { path: p, err } => {
                path = Some(p.clone());
                current = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                current = err;
            }
            _ => break,
        }
    }
    let rel = path
        .as_deref()
        .and_then(|p| p.strip_prefix(root).ok())
        .map_or_else(|| "<walk>".to_string(), slash);
    FileError {
        path: rel,
        message: format!("cannot read: {current}"),
    }
}
