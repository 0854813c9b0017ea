//! The engine: one entry point, [`check`], that the CLI and the LSP server share.
//!
//! discover → read (once) → prefilter → parse (at most once, in parallel) → index (rounds until
//! no new audit writers appear) → rules → findings. One file's failure, even a panic, becomes an
//! `errors` entry for that file; the run goes on.

mod discover;
mod manifests;
mod paths;
mod project;
mod read;

use std::collections::{BTreeMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use auditlint_core::diagnostic::stable_hash;
use auditlint_core::index::{Index, ProjectFile};
use auditlint_core::resolve::Resolver;
use auditlint_core::{
    Config, ConfigError, Diagnostic, FileError, Finding, FindingLabel, Level, LineIndex, Report,
    Severity, Summary,
};
use rayon::prelude::*;

pub use project::{CONFIG_FILE, Project, find_project};

/// Problems that stop a run before any file is checked (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Config(ConfigError),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{0}")]
    Usage(String),
}

/// What to check and how.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Files or directories; empty means the current directory.
    pub paths: Vec<PathBuf>,
    /// An explicit configuration file (`--config`).
    pub config: Option<PathBuf>,
    /// Worker threads; `None` uses every core. Output does not depend on it.
    pub threads: Option<usize>,
    /// The directory paths are shown relative to (normally the current directory).
    pub cwd: Option<PathBuf>,
    /// Unsaved editor buffers: absolute path → text, read instead of the disk.
    pub overlay: BTreeMap<PathBuf, String>,
}

/// Checks the project around `options.paths` and reports the findings inside them.
pub fn check(options: &CheckOptions) -> Result<Report, EngineError> {
    let started = Instant::now();
    let cwd = match &options.cwd {
        Some(cwd) => cwd.clone(),
        None => std::env::current_dir().map_err(|e| EngineError::Io {
            path: ".".into(),
            message: e.to_string(),
        })?,
    };
    let cwd = paths::canonical(&cwd);
    let mut errors = Vec::new();
    let mut targets = Vec::new();
    let requested = if options.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        options.paths.clone()
    };
    for path in &requested {
        let absolute = cwd.join(path);
        match absolute.canonicalize() {
            Ok(canonical) => targets.push(canonical),
            Err(err) => errors.push(FileError {
                path: paths::slash(path),
                message: format!("cannot check: {err}"),
            }),
        }
    }
    let Some(first) = targets.first() else {
        return Ok(Report {
            summary: Summary {
                errors: errors.len(),
                elapsed_ms: elapsed_ms(started),
                ..Summary::default()
            },
            errors,
            ..Report::default()
        });
    };
    let start = if first.is_dir() {
        first.clone()
    } else {
        first
            .parent()
            .map_or_else(|| first.clone(), Path::to_path_buf)
    };
    let project = find_project(&start, options.config.as_deref())?;
    let root = paths::canonical(&project.root);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .map_err(|e| EngineError::Usage(format!("cannot start worker threads: {e}")))?;
    let scopes: Vec<String> = targets
        .iter()
        .filter_map(|t| t.strip_prefix(&root).ok().map(paths::slash))
        .collect();
    let mut report = pool.install(|| {
        run(
            &root,
            &project.config,
            &scopes,
            &options.overlay,
            &mut errors,
        )
    });
    // Paths relative to the current directory, with `/`.
    let shown = |rel: &str| paths::display(&root.join(rel), &cwd);
    for finding in &mut report.findings {
        finding.path = shown(&finding.path);
        for label in &mut finding.labels {
            label.path = shown(&label.path);
        }
    }
    report.sources = report
        .sources
        .into_iter()
        .map(|(path, text)| (shown(&path), text))
        .collect();
    for error in &mut errors {
        if !error.path.starts_with('<')
            && Path::new(&error.path).is_relative()
            && root.join(&error.path).exists()
        {
            error.path = shown(&error.path);
        }
    }
    errors.sort();
    errors.dedup();
    report.summary.errors = errors.len();
    report.errors = errors;
    report.summary.elapsed_ms = elapsed_ms(started);
    Ok(report)
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// A source file as read: its project-relative path and text (`None` if it could not be read).
struct Source {
    path: String,
    text: Option<String>,
}

fn run(
    root: &Path,
    config: &Config,
    scopes: &[String],
    overlay: &BTreeMap<PathBuf, String>,
    reported_errors: &mut Vec<FileError>,
) -> Report {
    let mut errors_found: Vec<FileError> = Vec::new();
    let errors = &mut errors_found;
    let trace = Trace::new();
    let literals = config.vocab.prefilter_literals();
    let first_round = Prefilter::case_insensitive(&literals);
    // Walk, read and prefilter in one parallel pass: each file is read exactly once.
    let read = |absolute: &Path| match overlay.get(absolute) {
        Some(text) => Ok(text.clone()),
        None => read::read_source(absolute, config.max_file_size),
    };
    let (discovered, walk_errors) =
        discover::discover(root, config, &read, &|text| first_round.matches(text));
    errors.extend(walk_errors);
    trace.phase("discover+read+prefilter");
    let mut sources: Vec<Source> = Vec::with_capacity(discovered.sources.len());
    let mut round_one: Vec<usize> = Vec::new();
    let source_paths: Vec<String> = discovered.sources.iter().map(|s| s.path.clone()).collect();
    for found in discovered.sources {
        let text = match found.text {
            Ok(text) => Some(text),
            Err(message) => {
                errors.push(FileError {
                    path: found.path.clone(),
                    message,
                });
                None
            }
        };
        if found.matched {
            round_one.push(sources.len());
        }
        sources.push(Source {
            path: found.path,
            text,
        });
    }
    let resolver = manifests_resolver(root, source_paths, &discovered.manifests, errors);
    trace.phase("manifests");

    // Round 1: files naming a sink; later rounds: files naming a writer found so far.
    let mut parsed: Vec<Option<usize>> = vec![None; sources.len()];
    let mut files: Vec<ProjectFile> = Vec::new();
    let mut literals_seen: HashSet<String> = literals.iter().cloned().collect();
    let mut candidates = round_one;
    let mut file_source: Vec<usize> = Vec::new();
    loop {
        if candidates.is_empty() {
            break;
        }
        let results: Vec<(usize, Result<auditlint_core::FileFacts, String>)> = candidates
            .par_iter()
            .map(|&i| {
                let source = &sources[i];
                let text = source.text.as_deref().unwrap_or_default();
                (i, parse_file(&source.path, text))
            })
            .collect();
        for (i, result) in results {
            match result {
                Ok(facts) => {
                    for message in
                        facts_problems(&facts, sources[i].text.as_deref().unwrap_or_default())
                    {
                        errors.push(FileError {
                            path: sources[i].path.clone(),
                            message,
                        });
                    }
                    parsed[i] = Some(files.len());
                    file_source.push(i);
                    files.push(ProjectFile {
                        path: sources[i].path.clone(),
                        facts,
                    });
                }
                Err(message) => {
                    // Counted as handled, so no later round tries again.
                    parsed[i] = Some(usize::MAX);
                    errors.push(FileError {
                        path: sources[i].path.clone(),
                        message,
                    });
                }
            }
        }
        let index = Index::build(&files, &config.vocab, &resolver);
        let new_names: Vec<String> = index
            .writer_names()
            .into_iter()
            .filter(|n| literals_seen.insert(n.clone()))
            .collect();
        if new_names.is_empty() {
            break;
        }
        let matcher = Prefilter::words(&new_names);
        candidates = (0..sources.len())
            .into_par_iter()
            .filter(|&i| parsed[i].is_none())
            .filter(|&i| {
                sources[i]
                    .text
                    .as_deref()
                    .is_some_and(|text| matcher.matches(text))
            })
            .collect();
    }

    trace.phase("prefilter+parse");
    let index = Index::build(&files, &config.vocab, &resolver);
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    for rule in auditlint_rules::RULES {
        if config.level(rule.id()) == Level::Off {
            continue;
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut ctx = auditlint_rules::RuleContext::new(&index);
            rule.check(&mut ctx);
            ctx.into_diagnostics()
        }));
        match result {
            Ok(found) => diagnostics.extend(found),
            Err(panic) => errors.push(FileError {
                path: "<auditlint>".into(),
                message: format!(
                    "internal error in rule `{}`: {}; its findings are missing from this run",
                    rule.id(),
                    panic_message(&panic)
                ),
            }),
        }
    }
    let texts: Vec<&str> = file_source
        .iter()
        .map(|&i| sources[i].text.as_deref().unwrap_or_default())
        .collect();
    let mut findings: Vec<Finding> = diagnostics
        .into_iter()
        .filter(|d| in_scope(&files[d.file as usize].path, scopes))
        .map(|d| to_finding(d, &files, &texts, config))
        .collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
    let mut sources_shown = BTreeMap::new();
    for finding in &findings {
        for path in std::iter::once(&finding.path).chain(finding.labels.iter().map(|l| &l.path)) {
            if let Some(file) = files.iter().position(|f| &f.path == path) {
                sources_shown.insert(path.clone(), texts[file].to_string());
            }
        }
    }
    // Problems outside the checked paths are not this run's to report (the index still used
    // what it could read there).
    errors_found.retain(|e| e.path.starts_with('<') || in_scope(&e.path, scopes));
    reported_errors.extend(errors_found);
    trace.phase("index+rules");
    Report {
        summary: Summary {
            files_scanned: sources.iter().filter(|s| in_scope(&s.path, scopes)).count(),
            files_parsed: files.iter().filter(|f| in_scope(&f.path, scopes)).count(),
            findings: findings.len(),
            suppressed: 0,
            errors: 0,
            elapsed_ms: 0,
        },
        findings,
        errors: Vec::new(),
        sources: sources_shown,
    }
}

/// Phase timings on stderr when `AUDITLINT_TRACE` is set: for benchmarking, not for users.
struct Trace {
    on: bool,
    last: std::cell::Cell<Instant>,
}

impl Trace {
    fn new() -> Self {
        Self {
            on: std::env::var_os("AUDITLINT_TRACE").is_some(),
            last: std::cell::Cell::new(Instant::now()),
        }
    }

    fn phase(&self, name: &str) {
        if self.on {
            let now = Instant::now();
            eprintln!(
                "auditlint: {name}: {:.1} ms",
                (now - self.last.get()).as_secs_f64() * 1e3
            );
            self.last.set(now);
        }
    }
}

fn in_scope(path: &str, scopes: &[String]) -> bool {
    scopes.iter().any(|scope| {
        scope.is_empty()
            || path == scope
            || path
                .strip_prefix(scope.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

fn parse_file(path: &str, text: &str) -> Result<auditlint_core::FileFacts, String> {
    let Some(language) = auditlint_ts::language_of(path) else {
        return Err("not a TypeScript or JavaScript file".into());
    };
    let analyse = || {
        // A test hook: proves that a panic while analysing one file is contained.
        if std::env::var_os("AUDITLINT_INJECT_PANIC")
            .is_some_and(|p| path.ends_with(&*p.to_string_lossy()))
        {
            panic!("injected panic for {path}");
        }
        auditlint_ts::extract(text, language)
    };
    match catch_unwind(AssertUnwindSafe(analyse)) {
        Ok(Some(facts)) => Ok(facts),
        Ok(None) => Err("the parser gave up on this file; it was not checked".into()),
        Err(panic) => Err(format!(
            "internal error while analysing this file ({}); it was not checked",
            panic_message(&panic)
        )),
    }
}

/// Syntax errors and truncation: the file was checked only in part.
fn facts_problems(facts: &auditlint_core::FileFacts, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(first) = facts.syntax_errors.first() {
        let index = LineIndex::new(text);
        let pos = index.position(text, first.start as usize);
        problems.push(format!(
            "syntax error at line {}, column {}: partially parsed, findings cover only what parsed",
            pos.line, pos.column
        ));
    }
    if let Some(depth) = facts.truncated_at_depth {
        problems.push(format!(
            "nesting deeper than {depth} levels: the code below that depth was not analysed"
        ));
    }
    problems
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

fn to_finding(d: Diagnostic, files: &[ProjectFile], texts: &[&str], config: &Config) -> Finding {
    let locate = |file: u32, span: auditlint_core::Span| {
        let text = texts[file as usize];
        let index = LineIndex::new(text);
        (
            index.position(text, span.start as usize),
            index.position(text, span.end as usize),
        )
    };
    let path = files[d.file as usize].path.clone();
    let (start, end) = locate(d.file, d.span);
    let primary_text = texts[d.file as usize]
        .get(d.span.range())
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let fingerprint = format!(
        "{:016x}",
        stable_hash(&[d.rule, &path, &d.subject, &primary_text])
    );
    let severity = match config.level(d.rule) {
        Level::Warning => Severity::Warning,
        _ => Severity::Error,
    };
    let labels = d
        .labels
        .iter()
        .map(|l| {
            let (start, end) = locate(l.file, l.span);
            FindingLabel {
                path: files[l.file as usize].path.clone(),
                span: l.span,
                start,
                end,
                message: l.message.clone(),
            }
        })
        .collect();
    Finding {
        rule: d.rule,
        severity,
        path,
        span: d.span,
        start,
        end,
        message: d.message,
        help: d.help,
        labels,
        fingerprint,
        suppressed: None,
    }
}

fn manifests_resolver(
    root: &Path,
    source_paths: Vec<String>,
    manifests: &[String],
    errors: &mut Vec<FileError>,
) -> Resolver {
    let mut packages = Vec::new();
    let mut tsconfigs = Vec::new();
    for manifest in manifests {
        let dir = manifest.rsplit_once('/').map_or("", |(d, _)| d);
        let text = match std::fs::read_to_string(root.join(manifest)) {
            Ok(text) => text,
            Err(err) => {
                errors.push(FileError {
                    path: manifest.clone(),
                    message: format!("cannot read: {err}; imports through it are not resolved"),
                });
                continue;
            }
        };
        let json = match manifests::parse_jsonc(&text) {
            Ok(json) => json,
            Err(err) => {
                errors.push(FileError {
                    path: manifest.clone(),
                    message: format!("invalid JSON ({err}); imports through it are not resolved"),
                });
                continue;
            }
        };
        if manifest.ends_with("package.json") {
            packages.extend(manifests::package(dir, &json));
        } else {
            tsconfigs.push(manifests::tsconfig(dir, &json));
        }
    }
    Resolver::new(source_paths, packages, tsconfigs)
}

/// The literal prefilter: does a file mention anything that could matter?
enum Prefilter {
    /// Vocabulary fragments, anywhere, any case.
    Anywhere(AhoCorasick),
    /// Writer names, as whole identifiers.
    Words(AhoCorasick),
    Nothing,
}

impl Prefilter {
    fn case_insensitive(literals: &[String]) -> Self {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(literals)
            .map_or(Prefilter::Nothing, Prefilter::Anywhere)
    }

    fn words(names: &[String]) -> Self {
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(names)
            .map_or(Prefilter::Nothing, Prefilter::Words)
    }

    fn matches(&self, text: &str) -> bool {
        match self {
            Prefilter::Anywhere(ac) => ac.is_match(text),
            Prefilter::Words(ac) => {
                let bytes = text.as_bytes();
                let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
                ac.find_iter(text).any(|m| {
                    let before = m.start().checked_sub(1).map(|i| bytes[i]);
                    let after = bytes.get(m.end()).copied();
                    !before.is_some_and(ident) && !after.is_some_and(ident)
                })
            }
            Prefilter::Nothing => false,
        }
    }
}
