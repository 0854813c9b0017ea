//! The engine: one entry point, [`check`], that the CLI and the LSP server share.
//!
//! discover → read (once) → prefilter → parse (at most once, in parallel) → index (rounds until
//! no new audit writers appear) → rules → findings. One file's failure, even a panic, becomes an
//! `errors` entry for that file; the run goes on.

mod analysis;
mod discover;
mod manifests;
mod paths;
mod project;
mod read;
mod workspace;

pub use workspace::Workspace;

/// Is this a file auditlint checks (by its extension)?
pub fn is_source_path(path: &str) -> bool {
    discover::is_source(path)
}

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use auditlint_core::diagnostic::stable_hash;
use auditlint_core::index::{Index, ProjectFile};
use auditlint_core::resolve::Resolver;
use auditlint_core::{
    Config, ConfigError, Diagnostic, FileError, Finding, FindingLabel, Level, LineIndex, Report,
    Severity, Summary,
};

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
    let first_round = analysis::Prefilter::case_insensitive(&literals);
    // Walk, read and prefilter in one parallel pass: each file is read exactly once.
    let read = |absolute: &Path| match overlay.get(absolute) {
        Some(text) => Ok(text.clone()),
        None => read::read_source(absolute, config.max_file_size),
    };
    let (discovered, walk_errors) =
        discover::discover(root, config, &read, &|text| first_round.matches(text));
    errors.extend(walk_errors);
    trace.phase("discover+read+prefilter");
    let source_paths: Vec<String> = discovered.sources.iter().map(|s| s.path.clone()).collect();
    let (sources, round_one) = analysis::sources_from(discovered.sources, errors);
    let resolver = manifests_resolver(root, source_paths, &discovered.manifests, errors);
    trace.phase("manifests");

    let analysis::Parsed { files, file_source } = analysis::parse_rounds(
        &sources, round_one, &literals, config, &resolver, None, errors,
    );
    trace.phase("prefilter+parse");
    let index = Index::build(&files, &config.vocab, &resolver);
    let diagnostics = analysis::run_rules(&index, config, errors);
    let texts = SourceTexts::new(
        file_source
            .iter()
            .map(|&i| sources[i].text.as_deref().unwrap_or_default())
            .collect(),
    );
    let mut findings: Vec<Finding> = diagnostics
        .into_iter()
        .filter(|d| in_scope(&files[d.file as usize].path, scopes))
        .map(|d| to_finding(d, &files, &texts, config))
        .collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
    let file_of: std::collections::HashMap<&str, u32> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_str(), i as u32))
        .collect();
    let mut sources_shown = BTreeMap::new();
    for finding in &findings {
        for path in std::iter::once(&finding.path).chain(finding.labels.iter().map(|l| &l.path)) {
            if !sources_shown.contains_key(path)
                && let Some(&file) = file_of.get(path.as_str())
            {
                sources_shown.insert(path.clone(), texts.text(file).to_string());
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

/// The texts of the parsed files, with line indexes built on first use (once per file, not
/// once per finding: a file with hundreds of findings stays linear).
pub(crate) struct SourceTexts<'a> {
    texts: Vec<&'a str>,
    lines: Vec<std::cell::OnceCell<LineIndex>>,
}

impl<'a> SourceTexts<'a> {
    pub(crate) fn new(texts: Vec<&'a str>) -> Self {
        let lines = texts.iter().map(|_| std::cell::OnceCell::new()).collect();
        Self { texts, lines }
    }

    pub(crate) fn text(&self, file: u32) -> &'a str {
        self.texts.get(file as usize).copied().unwrap_or_default()
    }

    pub(crate) fn position(&self, file: u32, offset: u32) -> auditlint_core::Position {
        let text = self.text(file);
        let index = self.lines[file as usize].get_or_init(|| LineIndex::new(text));
        index.position(text, offset as usize)
    }
}

pub(crate) fn to_finding(
    d: Diagnostic,
    files: &[ProjectFile],
    texts: &SourceTexts<'_>,
    config: &Config,
) -> Finding {
    let locate = |file: u32, span: auditlint_core::Span| {
        (
            texts.position(file, span.start),
            texts.position(file, span.end),
        )
    };
    let path = files[d.file as usize].path.clone();
    let (start, end) = locate(d.file, d.span);
    let primary_text = texts
        .text(d.file)
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

pub(crate) fn manifests_resolver(
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
