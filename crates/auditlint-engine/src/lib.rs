//! The engine: one entry point, [`check`], that the CLI and the LSP server share.
//!
//! discover → read (once) → prefilter → parse (at most once, in parallel) → index (rounds until
//! no new audit writers appear) → rules → inline suppressions (and the rules that judge them) →
//! fingerprints → baseline → findings; the same run can build the audit-coverage inventory
//! ([`CheckOptions::inventory`]). One file's failure, even a panic, becomes an `errors` entry for
//! that file; the run goes on.

mod analysis;
mod baseline;
mod cache;
mod changed;
mod discover;
mod fidelity;
mod fingerprint;
pub mod fix;
#[doc(hidden)]
pub mod fuzzing;
mod generated;
pub mod init;
mod inventory;
mod manifests;
mod paths;
mod project;
mod read;
mod rounds;
mod suppress;
pub use analysis::Text;
pub use suppress::todo_reason;
mod workspace;

pub use fidelity::{ParseOutcome, debug_parse};
pub use workspace::Workspace;

/// Is this a file auditlint checks (by its extension)?
pub fn is_source_path(path: &str) -> bool {
    discover::is_source(path)
}

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use auditlint_core::index::{Index, ProjectFile};
use auditlint_core::resolve::Resolver;
use auditlint_core::{
    Config, ConfigError, Diagnostic, FileError, Finding, FindingLabel, Level, LineIndex, Report,
    Severity, SkipKind, SkippedFile, Summary,
};

pub use baseline::{BaselineMode, load as load_baseline, save as save_baseline};

/// Today's date, `YYYY-MM-DD` in UTC (`AUDITLINT_TODAY` overrides it): what suppressions'
/// `until=` is compared with, and the date on evidence exports.
pub fn today() -> Result<String, String> {
    suppress::today()
}
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
    /// `--changed-since REV`: report only findings whose primary line was added or changed
    /// since `git merge-base REV HEAD` (the analysis still covers the whole project).
    pub changed_since: Option<String>,
    /// Record today's findings as a baseline, or report only those not in one.
    pub baseline: BaselineMode,
    /// Build the audit-coverage inventory into `Report::inventory`.
    pub inventory: bool,
    /// More exclude globs for this run (`--exclude`), added to `[files] exclude`.
    pub exclude: Vec<String>,
    /// Where facts are cached between runs.
    pub cache: CacheMode,
}

/// The persistent facts cache (see `cache.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CacheMode {
    /// `.auditlint_cache/` in the project root.
    #[default]
    Project,
    /// `--cache-dir DIR` (relative to the current directory).
    Dir(PathBuf),
    /// `--no-cache`: neither read nor written.
    Off,
}

/// An absolute path as every report prints paths: relative to the current directory, with `/`.
pub fn shown_path(path: &Path) -> String {
    match std::env::current_dir() {
        Ok(cwd) => paths::display(path, &paths::canonical(&cwd)),
        Err(_) => path.display().to_string(),
    }
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
    // Errors about the arguments themselves, named as given; `errors` (from the project) are
    // project-relative until the end, where they are made relative to the current directory.
    let mut argument_errors = Vec::new();
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
            // A file named explicitly that auditlint cannot read is said so, never skipped.
            Ok(canonical)
                if canonical.is_file() && !discover::is_source(&paths::slash(&canonical)) =>
            {
                argument_errors.push(FileError {
                    path: paths::as_given(path),
                    message:
                        "not checked: auditlint reads TypeScript, JavaScript, Rust, Go and Python \
                              files (.ts .tsx .mts .cts .js .jsx .mjs .cjs .rs .go .py .pyi)"
                            .into(),
                });
            }
            Ok(canonical) => targets.push(canonical),
            Err(err) => argument_errors.push(FileError {
                path: paths::as_given(path),
                message: format!("cannot check: {err}"),
            }),
        }
    }
    let Some(first) = targets.first() else {
        return Ok(Report {
            summary: Summary {
                errors: argument_errors.len(),
                elapsed_ms: elapsed_ms(started),
                ..Summary::default()
            },
            errors: argument_errors,
            ..Report::default()
        });
    };
    // Paths in several projects (a monorepo with an `auditlint.toml` per app, staged together):
    // one run per project, each with its own configuration and index, reports merged.
    if options.config.is_none() {
        let groups = group_by_project(&targets)?;
        if groups.len() > 1 {
            return check_projects(options, &cwd, groups, argument_errors, started);
        }
    }
    let mut project = find_project(&project_start(first), options.config.as_deref())?;
    project
        .config
        .extend_exclude(&options.exclude)
        .map_err(|err| EngineError::Usage(format!("--exclude: {err}")))?;
    let root = paths::canonical(&project.root);
    // Before the analysis, so a bad REV fails fast.
    let changed = options
        .changed_since
        .as_deref()
        .map(|rev| changed::ChangedLines::since(&root, rev))
        .transpose()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .map_err(|e| EngineError::Usage(format!("cannot start worker threads: {e}")))?;
    // One project per run: a path outside the first path's project is reported, never
    // skipped silently (run auditlint once per project for those).
    let mut scopes: Vec<String> = Vec::new();
    for target in &targets {
        match target.strip_prefix(&root) {
            Ok(rel) => scopes.push(paths::slash(rel)),
            Err(_) => argument_errors.push(FileError {
                path: paths::display(target, &cwd),
                message: format!(
                    "not checked: it is outside the project at `{}` that this run checks (the project of the first path); run auditlint on it separately",
                    paths::display(&root, &cwd)
                ),
            }),
        }
    }
    let (store, cache_warning) = match open_store(&options.cache, &cwd, &root, &project) {
        Ok(store) => (store, None),
        Err(problem) => (None, Some(problem)),
    };
    let extras = Extras {
        today: suppress::today().map_err(EngineError::Usage)?,
        inventory: options.inventory,
        root: &root,
        store: store.as_ref(),
    };
    let mut report = pool.install(|| {
        run(
            &root,
            &project.config,
            &scopes,
            &options.overlay,
            &mut errors,
            &extras,
        )
    });
    report.warnings.extend(cache_warning);
    if let Some(store) = &store {
        let removed = store.prune();
        Trace::new().note(&format!("facts cache: {removed} unused entries removed"));
    }
    report
        .warnings
        .extend(store.as_ref().and_then(cache::FactsStore::write_problem));
    baseline::apply(&mut report, &options.baseline, &scopes, &errors);
    // After the baseline, which matches against every finding of the checked paths.
    if let Some(changed) = &changed {
        changed.narrow(&mut report);
    }
    report.recount_findings();
    // Paths relative to the current directory, with `/`.
    let shown = |rel: &str| paths::display(&root.join(rel), &cwd);
    show_paths(&mut report, &shown);
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
    for skipped in &mut report.skipped {
        skipped.path = shown(&skipped.path);
    }
    // Every project path, whether or not it exists (a dangling link, a file deleted meanwhile).
    for error in &mut errors {
        if !error.path.starts_with('<') && Path::new(&error.path).is_relative() {
            error.path = shown(&error.path);
        }
    }
    errors.extend(argument_errors);
    errors.sort();
    errors.dedup();
    report.summary.errors = errors.len();
    report.errors = errors;
    report.summary.elapsed_ms = elapsed_ms(started);
    Ok(report)
}

/// Where the search for the project begins: the first checked directory, or a file's directory.
/// Targets grouped by the root of the project around each, in first-seen order.
fn group_by_project(targets: &[PathBuf]) -> Result<Vec<Vec<PathBuf>>, EngineError> {
    let mut groups: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
    for target in targets {
        let root = paths::canonical(&find_project(&project_start(target), None)?.root);
        match groups.iter_mut().find(|(r, _)| *r == root) {
            Some((_, members)) => members.push(target.clone()),
            None => groups.push((root, vec![target.clone()])),
        }
    }
    Ok(groups.into_iter().map(|(_, members)| members).collect())
}

/// Checks each project's paths on its own and merges the reports.
fn check_projects(
    options: &CheckOptions,
    cwd: &Path,
    groups: Vec<Vec<PathBuf>>,
    mut errors: Vec<FileError>,
    started: Instant,
) -> Result<Report, EngineError> {
    if !matches!(options.baseline, BaselineMode::Off) || options.inventory {
        return Err(EngineError::Usage(
            "the paths belong to several projects (each with its own auditlint.toml); a baseline \
             or an inventory covers one project: run auditlint once per project"
                .into(),
        ));
    }
    let mut merged = Report::default();
    for group in groups {
        let report = check(&CheckOptions {
            paths: group,
            cwd: Some(cwd.to_path_buf()),
            ..options.clone()
        })?;
        merged.findings.extend(report.findings);
        errors.extend(report.errors);
        merged.sources.extend(report.sources);
        merged.suppressions.extend(report.suppressions);
        merged.warnings.extend(report.warnings);
        merged.summary.files_scanned += report.summary.files_scanned;
        merged.summary.files_parsed += report.summary.files_parsed;
        merged.summary.findings += report.summary.findings;
        merged.summary.suppressed += report.summary.suppressed;
        merged.summary.skipped_generated += report.summary.skipped_generated;
        merged.summary.skipped_tests += report.summary.skipped_tests;
        merged.skipped.extend(report.skipped);
    }
    merged
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    merged.skipped.sort();
    errors.sort();
    errors.dedup();
    merged.summary.errors = errors.len();
    merged.errors = errors;
    merged.summary.elapsed_ms = elapsed_ms(started);
    Ok(merged)
}

fn project_start(first: &Path) -> PathBuf {
    if first.is_dir() {
        first.to_path_buf()
    } else {
        first
            .parent()
            .map_or_else(|| first.to_path_buf(), Path::to_path_buf)
    }
}

/// The configured level of every rule, in registry order, for the project that
/// [`check`]`(options)` loads: what SARIF's `defaultConfiguration` reports.
pub fn rule_levels(options: &CheckOptions) -> Result<Vec<(&'static str, Level)>, EngineError> {
    let cwd = match &options.cwd {
        Some(cwd) => cwd.clone(),
        None => std::env::current_dir().map_err(|e| EngineError::Io {
            path: ".".into(),
            message: e.to_string(),
        })?,
    };
    let first = options
        .paths
        .iter()
        .find_map(|path| cwd.join(path).canonicalize().ok())
        .unwrap_or_else(|| paths::canonical(&cwd));
    let project = find_project(&project_start(&first), options.config.as_deref())?;
    Ok(auditlint_rules::RULES
        .iter()
        .map(|rule| (rule.id(), project.config.level(rule.id())))
        .collect())
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// What a run does besides finding: the date suppressions expire against, the inventory, the
/// facts cache.
struct Extras<'a> {
    today: String,
    inventory: bool,
    root: &'a Path,
    store: Option<&'a cache::FactsStore>,
}

/// The facts cache of this run, if any. The configuration file's text is part of its key.
fn open_store(
    mode: &CacheMode,
    cwd: &Path,
    root: &Path,
    project: &Project,
) -> Result<Option<cache::FactsStore>, String> {
    // The test hook that injects a panic must meet the parser, never a cached entry.
    if std::env::var_os("AUDITLINT_INJECT_PANIC").is_some() {
        return Ok(None);
    }
    let dir = match mode {
        CacheMode::Off => return Ok(None),
        CacheMode::Project => root.join(cache::DEFAULT_DIR),
        CacheMode::Dir(dir) => cwd.join(dir),
    };
    cache::FactsStore::open(&dir, &project.config_text, project.config.check_tests)
        .map(Some)
        .map_err(|err| {
            format!(
                "the facts cache is off for this run: {}: {err} (use --cache-dir DIR or --no-cache)",
                paths::display(&dir, cwd)
            )
        })
}

/// Turns the project-relative paths of the suppression records and the inventory into shown
/// ones (findings, labels and sources are done by [`check`]).
fn show_paths(report: &mut Report, shown: &dyn Fn(&str) -> String) {
    for record in &mut report.suppressions {
        record.path = shown(&record.path);
    }
    if let Some(inventory) = &mut report.inventory {
        for site in &mut inventory.sites {
            site.path = shown(&site.path);
        }
        for producer in &mut inventory.flag_producers {
            producer.path = shown(&producer.path);
            for caller in &mut producer.callers {
                caller.path = shown(&caller.path);
            }
        }
    }
}

/// Inline suppressions, the suppression rules, fingerprints and the inventory, over the facts
/// rules' findings (sorted, project-relative).
fn finish_findings(
    index: &Index<'_>,
    texts: &SourceTexts<'_>,
    config: &Config,
    scopes: &[String],
    extras: &Extras<'_>,
    findings: &mut Vec<Finding>,
    errors: &mut Vec<FileError>,
) -> (
    Vec<auditlint_core::suppression::SuppressionRecord>,
    Option<auditlint_core::inventory::Inventory>,
) {
    let rule_ids = auditlint_rules::rule_ids();
    let unsuppressible: Vec<&str> = auditlint_rules::RULES
        .iter()
        .filter(|r| r.phase() == auditlint_rules::Phase::Suppressions)
        .map(|r| r.id())
        .collect();
    let policy = suppress::Policy {
        known_rules: &rule_ids,
        unsuppressible: &unsuppressible,
        min_reason_length: config.min_reason_length,
        today: &extras.today,
    };
    let mut suppressions = suppress::collect(index, texts, scopes, &policy);
    let counts = suppress::silence(findings, &mut suppressions, index);
    let diagnostics = analysis::run_phase(
        index,
        &suppressions,
        auditlint_rules::Phase::Suppressions,
        config,
        errors,
    );
    findings.extend(
        diagnostics
            .into_iter()
            .map(|d| to_finding(d, index.files, texts, config)),
    );
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
    fingerprint::assign_occurrences(findings);
    let records = suppress::records(&suppressions, &counts, index);
    let inventory = extras.inventory.then(|| {
        inventory::build(
            index,
            texts,
            findings,
            scopes,
            extras.today.clone(),
            git_commit(extras.root),
        )
    });
    (records, inventory)
}

/// `git rev-parse HEAD` in `root`, when it is a git checkout.
fn git_commit(root: &Path) -> Option<String> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let commit = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !commit.is_empty()).then_some(commit)
}

fn run(
    root: &Path,
    config: &Config,
    scopes: &[String],
    overlay: &BTreeMap<PathBuf, String>,
    reported_errors: &mut Vec<FileError>,
    extras: &Extras<'_>,
) -> Report {
    let mut errors_found: Vec<FileError> = Vec::new();
    let errors = &mut errors_found;
    let trace = Trace::new();
    let literals = config.vocab.prefilter_literals();
    let first_round = analysis::Prefilter::case_insensitive(&literals);
    // A run that may take the whole-run cache's result prefilters only once it knows it must
    // analyse (a hit needs the sources' bytes, never the prefilter's verdict on them). Not for
    // editor overlays (the workspace keeps its own state) nor inventories (they carry the commit
    // and date of the run that made them).
    let whole_run = extras
        .store
        .filter(|_| overlay.is_empty() && !extras.inventory);
    // Walk, read (and prefilter, unless that waits) in one parallel pass: each file is read
    // exactly once.
    let read = |absolute: &Path| match overlay.get(absolute) {
        Some(text) => Ok(text.clone()),
        None => read::read_source(absolute, config.max_file_size),
    };
    let (discovered, walk_errors) =
        discover::discover(root, config, scopes, &read, &|path, text| {
            if whole_run.is_some() {
                // The prefilter waits for a miss; the whole-run key wants the hash, made here
                // while the text is in this thread's cache.
                text.hash();
                return discover::Verdict::Kept;
            }
            if first_round.matches(path, text) {
                discover::Verdict::Selected
            } else if overlay.is_empty() {
                discover::Verdict::Passed
            } else {
                discover::Verdict::Kept
            }
        });
    errors.extend(walk_errors);
    trace.phase("discover+read+prefilter");
    let source_paths: Vec<String> = discovered.sources.iter().map(|s| s.path.clone()).collect();
    let skipped: Vec<SkippedFile> = discovered
        .skipped
        .into_iter()
        .filter(|s| in_scope(&s.path, scopes))
        .collect();
    let (mut sources, mut round_one) = analysis::sources_from(discovered.sources, errors);
    let manifest_texts = read_manifests(root, &discovered.manifests);
    // A run over exactly the inputs of an earlier one gives its result: the whole-run cache.
    let run_cache = whole_run.map(|store| {
        let key = run_key(
            root,
            scopes,
            &extras.today,
            &sources,
            &manifest_texts,
            &skipped,
            errors,
        );
        (store, key)
    });
    if let Some((store, key)) = &run_cache
        && let Some(cached) = store.get_run::<CachedRun>(key)
    {
        trace.phase("whole-run cache: hit");
        return cached.into_report(&sources, skipped, scopes, reported_errors);
    }
    if whole_run.is_some() {
        use rayon::prelude::*;
        round_one = (0..sources.len())
            .into_par_iter()
            .filter(|&i| {
                sources[i]
                    .text
                    .as_deref()
                    .is_some_and(|text| first_round.matches(&sources[i].path, text))
            })
            .collect();
        trace.phase("prefilter");
    }
    analysis::hold_unselected(&mut sources, &round_one, root, overlay);
    trace.phase("hold unselected Rust files");
    let resolver = manifests_resolver(source_paths, &manifest_texts, errors);
    trace.phase("manifests");

    let (files, (findings, texts, suppressions, inventory)) = analysis::parse_rounds(
        &sources,
        round_one,
        &literals,
        config,
        &resolver,
        None,
        extras.store,
        errors,
        |index, files, file_source, errors| {
            trace.phase("prefilter+parse+index");
            if let Some(store) = extras.store {
                let (hits, misses) = store.counts();
                trace.note(&format!("facts cache: {hits} hits, {misses} misses"));
            }
            let (mut findings, texts) = rule_findings(
                index,
                files,
                file_source,
                &sources,
                config,
                errors,
                |path| in_scope(path, scopes),
            );
            let (suppressions, inventory) =
                finish_findings(index, &texts, config, scopes, extras, &mut findings, errors);
            (findings, texts, suppressions, inventory)
        },
    );
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
    let files_parsed = files.iter().filter(|f| in_scope(&f.path, scopes)).count();
    // A file that changed under the run (read again, not as it was first read) makes a result
    // that describes no state of the project: not kept.
    if let Some((store, key)) = &run_cache
        && !analysis::read_again_failed(&sources)
    {
        store.put_run(
            key,
            &CachedRun {
                findings: findings.clone(),
                errors: errors_found.clone(),
                suppressions: suppressions.clone(),
                files_parsed,
            },
        );
    }
    reported_errors.extend(errors_found);
    trace.phase("index+rules");
    let report = Report {
        summary: Summary {
            files_scanned: sources.iter().filter(|s| in_scope(&s.path, scopes)).count(),
            files_parsed,
            findings: findings.len(),
            suppressed: 0,
            errors: 0,
            elapsed_ms: 0,
            skipped_generated: count_skipped(&skipped, SkipKind::Generated),
            skipped_tests: count_skipped(&skipped, SkipKind::Test),
            baselined: None,
        },
        findings,
        errors: Vec::new(),
        sources: sources_shown,
        baseline: None,
        suppressions,
        inventory,
        skipped,
        warnings: Vec::new(),
    };
    drop(file_of);
    drop(texts);
    free_in_background((files, sources));
    report
}

/// Frees what a run built — the facts and texts of every file — on a thread of its own, so the
/// report is not held back by it (growthbook: ~15 ms of freeing). A thread that cannot be
/// started frees it here instead: nothing but the time it takes depends on it.
fn free_in_background<T: Send + 'static>(built: T) {
    let _ = std::thread::Builder::new()
        .name("auditlint-free".into())
        .spawn(move || drop(built));
}

/// What [`run`] found, as the whole-run cache keeps it: the rest of its report comes from the
/// sources (which the key says are the same) and the discovery of this run.
#[derive(serde::Serialize, serde::Deserialize)]
struct CachedRun {
    findings: Vec<Finding>,
    errors: Vec<FileError>,
    suppressions: Vec<auditlint_core::suppression::SuppressionRecord>,
    files_parsed: usize,
}

impl CachedRun {
    fn into_report(
        self,
        sources: &[analysis::Source],
        skipped: Vec<SkippedFile>,
        scopes: &[String],
        reported_errors: &mut Vec<FileError>,
    ) -> Report {
        let mut sources_shown = BTreeMap::new();
        for finding in &self.findings {
            for path in std::iter::once(&finding.path).chain(finding.labels.iter().map(|l| &l.path))
            {
                if !sources_shown.contains_key(path)
                    && let Ok(at) = sources.binary_search_by(|s| s.path.as_str().cmp(path))
                    && let Some(text) = &sources[at].text
                {
                    sources_shown.insert(path.clone(), text.to_string());
                }
            }
        }
        reported_errors.extend(self.errors);
        Report {
            summary: Summary {
                files_scanned: sources.iter().filter(|s| in_scope(&s.path, scopes)).count(),
                files_parsed: self.files_parsed,
                findings: self.findings.len(),
                suppressed: 0,
                errors: 0,
                elapsed_ms: 0,
                skipped_generated: count_skipped(&skipped, SkipKind::Generated),
                skipped_tests: count_skipped(&skipped, SkipKind::Test),
                baselined: None,
            },
            findings: self.findings,
            errors: Vec::new(),
            sources: sources_shown,
            baseline: None,
            suppressions: self.suppressions,
            inventory: None,
            skipped,
            warnings: Vec::new(),
        }
    }
}

/// The whole-run cache's key: the checked paths name the entry; every input of the analysis
/// must be the same for it to be used — each source's path and bytes (or why it could not be
/// read), the manifests' paths and bytes, what discovery skipped and why, the problems met so
/// far, the project root and the date suppressions expire against. (The store's namespace
/// covers the tool's build and the configuration.)
fn run_key(
    root: &Path,
    scopes: &[String],
    today: &str,
    sources: &[analysis::Source],
    manifests: &[(String, Result<String, String>)],
    skipped: &[SkippedFile],
    errors: &[FileError],
) -> cache::RunKey {
    use xxhash_rust::xxh3::{Xxh3, xxh3_64};
    let mut named = Xxh3::new();
    named.update(root.to_string_lossy().as_bytes());
    for scope in scopes {
        named.update(b"\0");
        named.update(scope.as_bytes());
    }
    let scopes_hash = named.digest();
    let mut inputs = Xxh3::new();
    inputs.update(&scopes_hash.to_le_bytes());
    inputs.update(today.as_bytes());
    let text_hashes: Vec<u128> = {
        use rayon::prelude::*;
        sources
            .par_iter()
            .map(|s| s.text.as_ref().map_or(0, Text::hash))
            .collect()
    };
    for (source, hash) in sources.iter().zip(text_hashes) {
        inputs.update(source.path.as_bytes());
        inputs.update(b"\0");
        inputs.update(&hash.to_le_bytes());
    }
    for (manifest, text) in manifests {
        inputs.update(manifest.as_bytes());
        inputs.update(b"\0");
        match text {
            Ok(text) => inputs.update(&xxh3_64(text.as_bytes()).to_le_bytes()),
            Err(message) => inputs.update(message.as_bytes()),
        }
    }
    for skip in skipped {
        inputs.update(format!("{}\0{:?}\0{}\0", skip.path, skip.kind, skip.reason).as_bytes());
    }
    for error in errors {
        inputs.update(format!("{}\0{}\0", error.path, error.message).as_bytes());
    }
    cache::RunKey {
        scopes: scopes_hash,
        inputs: inputs.digest128(),
    }
}

/// Phase timings on stderr when `AUDITLINT_TRACE` is set: for benchmarking, not for users.
pub(crate) struct Trace {
    on: bool,
    last: std::cell::Cell<Instant>,
}

impl Trace {
    pub(crate) fn new() -> Self {
        Self {
            on: std::env::var_os("AUDITLINT_TRACE").is_some(),
            last: std::cell::Cell::new(Instant::now()),
        }
    }

    pub(crate) fn note(&self, line: &str) {
        if self.on {
            eprintln!("auditlint: {line}");
        }
    }

    pub(crate) fn phase(&self, name: &str) {
        if self.on {
            let now = Instant::now();
            eprintln!(
                "auditlint: {name}: {:.1} ms{}",
                (now - self.last.get()).as_secs_f64() * 1e3,
                memory()
            );
            self.last.set(now);
        }
    }
}

/// The process's resident memory now and at its peak so far (Linux), for [`Trace`].
fn memory() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().trim_end_matches(" kB").trim().to_string())
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or_else(|| "?".to_string(), |kb| format!("{}", kb / 1024))
    };
    format!(
        " (RSS {} MiB, peak {} MiB)",
        field("VmRSS:"),
        field("VmHWM:")
    )
}

fn count_skipped(skipped: &[SkippedFile], kind: SkipKind) -> usize {
    skipped.iter().filter(|s| s.kind == kind).count()
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
    /// Each file's indentation step, for fixes (a scan of the whole file: once per file).
    indents: Vec<std::cell::OnceCell<String>>,
}

impl<'a> SourceTexts<'a> {
    pub(crate) fn new(texts: Vec<&'a str>) -> Self {
        let lines = texts.iter().map(|_| std::cell::OnceCell::new()).collect();
        let indents = texts.iter().map(|_| std::cell::OnceCell::new()).collect();
        Self {
            texts,
            lines,
            indents,
        }
    }

    pub(crate) fn indent_unit(&self, file: u32) -> &str {
        let text = self.text(file);
        self.indents[file as usize].get_or_init(|| auditlint_core::fix::indent_unit(text))
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

/// The rules' findings in the files `keep` accepts, sorted and without duplicates, with the
/// texts of the parsed files (`file_source[i]` is file `i`'s source).
pub(crate) fn rule_findings<'s>(
    index: &Index<'_>,
    files: &[ProjectFile],
    file_source: &[usize],
    sources: &'s [analysis::Source],
    config: &Config,
    errors: &mut Vec<FileError>,
    keep: impl Fn(&str) -> bool,
) -> (Vec<Finding>, SourceTexts<'s>) {
    let diagnostics = analysis::run_rules(index, config, errors);
    let texts = SourceTexts::new(
        file_source
            .iter()
            .map(|&i| sources[i].text().unwrap_or_default())
            .collect(),
    );
    let mut findings: Vec<Finding> = diagnostics
        .into_iter()
        .filter(|d| keep(&files[d.file as usize].path))
        .map(|d| to_finding(d, files, &texts, config))
        .collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
    (findings, texts)
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
    // The key; `fingerprint::assign_occurrences` makes it the fingerprint.
    let fingerprint = fingerprint::key(
        d.rule,
        &path,
        d.function.as_deref(),
        &d.subject,
        texts.text(d.file).get(d.span.range()).unwrap_or_default(),
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
        fix: d.fix.as_ref().and_then(|plan| {
            auditlint_core::fix::surface(texts.text(d.file), texts.indent_unit(d.file), plan)
        }),
    }
}

/// Each manifest's text, or why it could not be read: read once, for the whole-run cache's key
/// and for the resolver.
pub(crate) fn read_manifests(
    root: &Path,
    manifests: &[String],
) -> Vec<(String, Result<String, String>)> {
    manifests
        .iter()
        .map(|manifest| {
            let text = std::fs::read_to_string(root.join(manifest))
                .map_err(|err| format!("cannot read: {err}"));
            (manifest.clone(), text)
        })
        .collect()
}

pub(crate) fn manifests_resolver(
    source_paths: Vec<String>,
    manifests: &[(String, Result<String, String>)],
    errors: &mut Vec<FileError>,
) -> Resolver {
    let mut packages = Vec::new();
    let mut tsconfigs = Vec::new();
    let mut go_modules = Vec::new();
    let mut python_packages = Vec::new();
    for (manifest, read) in manifests {
        let dir = manifest.rsplit_once('/').map_or("", |(d, _)| d);
        let unresolved = |message: &str| FileError {
            path: manifest.clone(),
            message: format!("{message}; imports through it are not resolved"),
        };
        let text = match read {
            Ok(text) => text,
            Err(message) => {
                errors.push(unresolved(message));
                continue;
            }
        };
        if manifest.ends_with("pyproject.toml") {
            // Python packages in directories not named after them resolve there.
            let read =
                manifests::python_package_dirs(text).map_err(|err| format!("invalid TOML ({err})"));
            match read {
                Ok(found) => python_packages.extend(found.into_iter().map(|(sub, package)| {
                    let path = if dir.is_empty() {
                        sub
                    } else {
                        format!("{dir}/{sub}")
                    };
                    (path, package)
                })),
                Err(message) => errors.push(unresolved(&message)),
            }
            continue;
        }
        if manifest.ends_with("go.mod") {
            // `module github.com/acme/api`: Go imports of that path resolve below `dir`.
            go_modules.extend(manifests::go_module(text).map(|m| (dir.to_string(), m)));
            continue;
        }
        let json = match manifests::parse_jsonc(text) {
            Ok(json) => json,
            Err(err) => {
                errors.push(unresolved(&format!("invalid JSON ({err})")));
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
        .with_go_modules(go_modules)
        .with_python_packages(python_packages)
}
