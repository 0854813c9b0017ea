//! The `auditlint` binary: argument parsing and subcommands only; the engine does the work.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use auditlint_core::Severity;
use auditlint_engine::{CheckOptions, EngineError};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "auditlint",
    version,
    about = "Finds silent error swallowing around audit-log writes in TypeScript, JavaScript, Rust, Go and Python",
    after_help = "`auditlint PATH...` is short for `auditlint check PATH...`.",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files or directories (default: the current directory).
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// List the rules.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// A rule id, e.g. `audit-error-swallowed`.
        rule: String,
    },
    /// Run the language server on stdin/stdout (for editors).
    Lsp,
    /// Record today's findings in a baseline file, so `check --baseline FILE` reports only new ones.
    Baseline(BaselineArgs),
    /// Export every inline suppression with its reason and status (evidence for an audit).
    Suppressions(ExportArgs),
    /// Report every audit write and how its failure is handled (evidence for an audit).
    Inventory(ExportArgs),
    /// Learn the project's audit stores from its schema (SQL migrations, Prisma, Drizzle,
    /// TypeORM, Sequelize, Mongoose, diesel, SeaORM) and declare them in `auditlint.toml`.
    Init(InitArgs),
    /// Parse every source file under PATHS (no project, no prefilter) and print one JSON line
    /// per file with its outcome: the input of `bench/parse-fidelity.sh`.
    #[command(hide = true)]
    DebugParse {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Parse generated and minified code too, and files over the size limit.
        #[arg(long)]
        parse_generated: bool,
    },
}

const EXIT_CODES: &str = "Exit status:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on
  2  a usage, configuration or I/O error; a file that could not be checked (when there is no
     failing finding); or nothing to check (no TypeScript, JavaScript, Rust, Go or Python file in PATHS)

Findings go to stdout (or --output-file); errors go to stderr.";

/// The subcommands, for the `auditlint PATH` shorthand.
const SUBCOMMANDS: &[&str] = &[
    "check",
    "rules",
    "explain",
    "lsp",
    "baseline",
    "suppressions",
    "inventory",
    "debug-parse",
    "help",
];

#[derive(clap::Args)]
struct InitArgs {
    /// The project (default: the current directory's).
    path: Option<PathBuf>,
    /// Take the strong candidates without asking.
    #[arg(long)]
    yes: bool,
    /// Print the candidates and the TOML that would be written; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Replace `extend-tables` in an `auditlint.toml` that already has a `[sinks]` section.
    #[arg(long)]
    force: bool,
}

#[derive(clap::Args)]
struct BaselineArgs {
    /// The baseline file to write (JSON).
    file: PathBuf,
    /// Files or directories to check (default: the current directory).
    paths: Vec<PathBuf>,
    /// Use this configuration file instead of the nearest `auditlint.toml`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

#[derive(clap::Args)]
struct ExportArgs {
    /// Files or directories to report on (default: the current directory).
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ExportFormat::Markdown)]
    format: ExportFormat,
    /// Use this configuration file instead of the nearest `auditlint.toml`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Markdown,
    Json,
    Csv,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or directories to check; the project around them is indexed for cross-file facts.
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Use this configuration file instead of the nearest `auditlint.toml`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Exit 1 when there are findings at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Worker threads (default: all cores). The output is the same for any number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Report only findings on lines added or changed since `git merge-base REV HEAD` (the
    /// whole project is still analysed).
    #[arg(long, value_name = "REV")]
    changed_since: Option<String>,
    /// Report only findings not recorded in this baseline file (see `auditlint baseline`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// With `--baseline`: rewrite the file without the entries that no longer occur (a ratchet:
    /// it never adds any).
    #[arg(long, requires = "baseline", conflicts_with = "changed_since")]
    update_baseline: bool,
    /// Also list the files skipped as generated code or as tests (human format).
    #[arg(long, short)]
    verbose: bool,
    /// Print the findings only: no summary line (human format). Errors still go to stderr.
    #[arg(long, short, conflicts_with = "verbose")]
    quiet: bool,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// Report only these rules (comma-separated or repeated), within what the configuration
    /// enables.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    select: Vec<String>,
    /// Do not report these rules (comma-separated or repeated).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Skip files and directories matching GLOB (relative to the project root), as
    /// `[files] extend-exclude` does; repeatable.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Print the number of findings per rule instead of each finding (human format).
    #[arg(long)]
    statistics: bool,
    /// Keep the facts cache here instead of `.auditlint_cache/` in the project root.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Neither read nor write the facts cache.
    #[arg(long)]
    no_cache: bool,
    /// Apply the fixes that keep the program's behaviour, then check again and report what
    /// remains. There are none yet: it says how many unsafe fixes `--unsafe-fixes` would apply.
    #[arg(long)]
    fix: bool,
    /// With `--fix`, also apply fixes that CHANGE BEHAVIOUR: "surface the failure" adds a
    /// warn-level log of the swallowed error to each `audit-error-swallowed` handler (with the
    /// file's logger, else `console.warn` / `eprintln!`), naming the error where the handler did
    /// not. Review the diff.
    #[arg(long, requires = "fix")]
    unsafe_fixes: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning (`upload-sarif`) and other SARIF viewers.
    Sarif,
    /// GitHub Actions annotations; with `GITHUB_STEP_SUMMARY` set, a job summary table too.
    Github,
    /// A JSON array of LSP `PublishDiagnosticsParams` (0-based lines, UTF-16 columns).
    Lsp,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    // Panics are caught (per file and per rule in the engine, and here) and reported as errors;
    // the default hook would print a backtrace hint to the user first.
    std::panic::set_hook(Box::new(|_| {}));
    let args = with_check_shorthand(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => return usage_error(&args, &err),
    };
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(err)) => {
            eprintln!("auditlint: error: {err:#}");
            ExitCode::from(2)
        }
        Err(_) => {
            eprintln!("auditlint: internal error: the run was aborted; please report this");
            ExitCode::from(2)
        }
    }
}

/// `auditlint PATH...` (and `auditlint --format json PATH`) is `auditlint check PATH...`: when
/// the first argument is neither a subcommand nor a top-level flag, but a `check` flag or
/// something that looks like a path, `check` is inserted. A bare word that is no file
/// (`auditlint chek`) stays a subcommand, so clap says it is unknown and suggests `check`.
fn with_check_shorthand(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else {
        return args;
    };
    let top_level = ["-h", "--help", "-V", "--version"];
    let path_like = first.starts_with('-')
        || first.contains(['/', '.', '\\'])
        || std::path::Path::new(first).exists();
    if !SUBCOMMANDS.contains(&first) && !top_level.contains(&first) && path_like {
        args.insert(1, "check".into());
    }
    args
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Baseline(args) => record_baseline(args),
        Command::Suppressions(args) => export(args, Export::Suppressions),
        Command::Inventory(args) => export(args, Export::Inventory),
        Command::Init(args) => init(args),
        Command::DebugParse {
            paths,
            parse_generated,
        } => debug_parse(&paths, parse_generated),
        Command::Lsp => {
            auditlint_lsp::run_stdio().context("language server")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules => {
            let mut out = std::io::stdout().lock();
            for rule in auditlint_rules::RULES {
                writeln!(out, "{:<26} {}", rule.id(), rule.summary())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { rule } => match auditlint_rules::find_rule(&rule) {
            Some(rule) => {
                print!("{}", rule.documentation());
                Ok(ExitCode::SUCCESS)
            }
            None => {
                eprintln!(
                    "auditlint: error: unknown rule `{rule}`; known rules: {}",
                    auditlint_rules::rule_ids().join(", ")
                );
                Ok(ExitCode::from(2))
            }
        },
    }
}

/// A run that could not start (usage, configuration, baseline): the message on stderr, and
/// under `--format json` also the JSON contract on stdout — version, tool, a summary counting
/// one error, and the error naming `path` — so a consumer never reads empty input.
fn refuse(format: &Format, path: &str, message: &str) -> ExitCode {
    eprintln!("auditlint: error: {message}");
    if matches!(format, Format::Json) {
        print_refusal(path, message);
    }
    ExitCode::from(2)
}

/// The JSON contract of a run that could not start: one error, no findings.
fn print_refusal(path: &str, message: &str) {
    let mut report = auditlint_core::Report::default();
    report.errors.push(auditlint_core::FileError {
        path: path.to_string(),
        message: message.to_string(),
    });
    report.summary.errors = 1;
    print!(
        "{}",
        auditlint_report::json::render(&report, env!("CARGO_PKG_VERSION"))
    );
}

/// Arguments clap refuses: its message (with the usage) on stderr as usual, and under
/// `--format json` the JSON contract on stdout too, so a consumer never reads empty input.
fn usage_error(args: &[std::ffi::OsString], err: &clap::Error) -> ExitCode {
    let _ = err.print();
    if !err.use_stderr() {
        // --help, --version: not errors.
        return ExitCode::SUCCESS;
    }
    let wants_json = args
        .windows(2)
        .any(|w| w[0] == "--format" && w[1] == "json")
        || args.iter().any(|a| a == "--format=json");
    if wants_json {
        let rendered = err.to_string();
        let first = rendered.lines().next().unwrap_or_default();
        print_refusal(
            ".",
            &format!("usage: {}", first.trim_start_matches("error: ")),
        );
    }
    ExitCode::from(2)
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    for rule in args.select.iter().chain(&args.ignore) {
        if auditlint_rules::find_rule(rule).is_none() {
            let message = format!(
                "unknown rule `{rule}` in --select/--ignore; known rules: {}",
                auditlint_rules::rule_ids().join(", ")
            );
            return Ok(refuse(&args.format, ".", &message));
        }
    }
    if args.statistics && !matches!(args.format, Format::Human) {
        eprintln!("auditlint: error: --statistics prints a table: use it with --format human");
        return Ok(ExitCode::from(2));
    }
    let old_baseline = match &args.baseline {
        Some(file) => match auditlint_engine::load_baseline(file) {
            Ok(baseline) => Some(baseline),
            Err(err) => {
                let message = format!("cannot use the baseline: {err}");
                return Ok(refuse(&args.format, &file.display().to_string(), &message));
            }
        },
        None => None,
    };
    let options = CheckOptions {
        paths: args.paths.clone(),
        config: args.config.clone(),
        threads: args.threads.map(usize::from),
        cwd: None,
        overlay: Default::default(),
        changed_since: args.changed_since.clone(),
        baseline: match &old_baseline {
            Some(baseline) => auditlint_engine::BaselineMode::Apply(baseline.clone()),
            None => auditlint_engine::BaselineMode::Off,
        },
        inventory: false,
        exclude: args.exclude.clone(),
        cache: match (args.no_cache, args.cache_dir) {
            (true, _) => auditlint_engine::CacheMode::Off,
            (false, Some(dir)) => auditlint_engine::CacheMode::Dir(dir),
            (false, None) => auditlint_engine::CacheMode::Project,
        },
    };
    let engine = |options: &CheckOptions| match auditlint_engine::check(options) {
        Ok(mut report) => {
            for warning in &report.warnings {
                eprintln!("auditlint: warning: {warning}");
            }
            select_rules(&mut report, &args.select, &args.ignore);
            Ok(report)
        }
        Err(EngineError::Config(mut err)) => {
            // The file where it is wrong, relative to the current directory like every path.
            if std::path::Path::new(&err.path).is_absolute() {
                err.path = auditlint_engine::shown_path(std::path::Path::new(&err.path));
            }
            let message = format!("invalid configuration: {err}");
            Err(refuse(&args.format, &err.path, &message))
        }
        Err(EngineError::Usage(message)) => Err(refuse(&args.format, ".", &message)),
        Err(err) => {
            let message = format!("cannot check: {err}");
            Err(refuse(&args.format, ".", &message))
        }
    };
    let mut report = match engine(&options) {
        Ok(report) => report,
        Err(code) => return Ok(code),
    };
    let mut fix_summary = None;
    if args.fix {
        let run = auditlint_engine::fix::apply_fixes(&report, args.unsafe_fixes);
        if run.fixed > 0 {
            // Checked again: the report is what remains.
            report = match engine(&options) {
                Ok(report) => report,
                Err(code) => return Ok(code),
            };
        }
        fix_summary = Some(fix_summary_line(&run, &report, args.unsafe_fixes));
        report.errors.extend(run.errors);
        report.errors.sort();
        report.summary.errors = report.errors.len();
    }
    let nothing_checked = nothing_checked(&report, &args.paths);
    let rendered = match args.format {
        Format::Json => auditlint_report::json::render(&report, env!("CARGO_PKG_VERSION")),
        Format::Sarif => sarif(&report, &options)?,
        Format::Github => {
            // The annotations matter more than the summary: a summary that cannot be written
            // is a warning, not a failed run.
            if let Err(err) = append_step_summary(&report) {
                eprintln!("auditlint: warning: {err:#}");
            }
            auditlint_report::github::render(&report)
        }
        Format::Lsp => {
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            auditlint_report::lsp::render(&report, &cwd.canonicalize().unwrap_or(cwd))
        }
        Format::Human => {
            let to_terminal = args.output_file.is_none() && std::io::stdout().is_terminal();
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
            };
            let stderr_color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            // Errors go to stderr, so stdout (or the output file) holds findings only.
            eprint!(
                "{}",
                auditlint_report::human::render_errors(&report, stderr_color)
            );
            auditlint_report::human::render_options(
                &report,
                &auditlint_report::human::HumanOptions {
                    color,
                    verbose: args.verbose,
                    // With nothing checked (an empty directory, paths that could not be
                    // read), the errors say so; a summary of 0 files would read as a pass.
                    quiet: args.quiet || nothing_seen(&report),
                    errors: false,
                    statistics: args.statistics,
                },
            )
        }
    };
    // What `--fix` did: after the findings in human output, on stderr in machine formats.
    let rendered = match (&fix_summary, args.format) {
        (Some(_), Format::Human) if args.quiet => rendered,
        (Some(line), Format::Human) => format!("{rendered}{line}\n"),
        (Some(line), _) => {
            eprintln!("auditlint: {line}");
            rendered
        }
        (None, _) => rendered,
    };
    match &args.output_file {
        Some(file) => std::fs::write(file, rendered.as_bytes())
            .with_context(|| format!("cannot write the report to {}", file.display()))?,
        None => print(&rendered)?,
    }
    if args.update_baseline {
        update_baseline(args.baseline.as_deref(), old_baseline.as_ref(), &report)?;
    }
    // Suppressed findings never fail the run.
    let failing = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .any(|f| match args.fail_on {
            FailOn::Error => f.severity == Severity::Error,
            FailOn::Warning => true,
            FailOn::Never => false,
        });
    if let Some(message) = &nothing_checked {
        eprintln!("auditlint: error: {message}");
    }
    Ok(if failing {
        ExitCode::from(1)
    } else if !report.errors.is_empty() || nothing_checked.is_some() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--fix`'s account: how many findings were fixed, how many remain, what was held back.
fn fix_summary_line(
    run: &auditlint_engine::fix::FixRun,
    report: &auditlint_core::Report,
    unsafe_fixes: bool,
) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let remaining = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .count();
    let mut line = if run.fixed > 0 {
        format!(
            "Fixed {} in {}{}; {} {} remaining.",
            plural(run.fixed, "finding", "findings"),
            plural(run.files.len(), "file", "files"),
            if unsafe_fixes {
                " with unsafe fixes (each adds a warn-level log of the swallowed error: the \
                 program's behaviour changed, review the diff)"
            } else {
                ""
            },
            remaining,
            if remaining == 1 {
                "finding"
            } else {
                "findings"
            },
        )
    } else if run.unsafe_hidden > 0 {
        format!(
            "No safe fixes available; {} with `--fix --unsafe-fixes` (they change behaviour: \
             each adds a warn-level log of the swallowed error); {} {} remaining.",
            plural(
                run.unsafe_hidden,
                "unsafe fix is available",
                "unsafe fixes are available"
            ),
            remaining,
            if remaining == 1 {
                "finding"
            } else {
                "findings"
            },
        )
    } else {
        format!(
            "No fixes available; {} {} remaining.",
            remaining,
            if remaining == 1 {
                "finding"
            } else {
                "findings"
            },
        )
    };
    if run.overlapping > 0 {
        line.push_str(&format!(
            " {} touched text another fix changed: run `--fix` again.",
            plural(
                run.overlapping,
                "fix was left out because it",
                "fixes were left out because they"
            )
        ));
    }
    if !run.errors.is_empty() {
        line.push_str(&format!(
            " {} could not be fixed (see the errors).",
            plural(run.errors.len(), "file", "files")
        ));
    }
    line
}

/// No source file was seen: none scanned, none skipped as generated code or tests.
fn nothing_seen(report: &auditlint_core::Report) -> bool {
    let summary = &report.summary;
    summary.files_scanned + summary.skipped_generated + summary.skipped_tests == 0
}

/// `--select`/`--ignore`: keeps the findings of the selected rules (all when none is) that are
/// not ignored, and recounts the summary.
fn select_rules(report: &mut auditlint_core::Report, select: &[String], ignore: &[String]) {
    if select.is_empty() && ignore.is_empty() {
        return;
    }
    report.findings.retain(|f| {
        (select.is_empty() || select.iter().any(|r| r == f.rule))
            && !ignore.iter().any(|r| r == f.rule)
    });
    report.recount_findings();
}

/// Why the run checked nothing, when it did: no source file under the named directories (an
/// empty directory, a typo'd path that exists, everything excluded). Not when a file was named
/// (a pre-commit hook passing staged files that the configuration excludes is a pass), not when
/// files were skipped as tests or generated code (they were seen), and not when a path could
/// not be read (that is already an error).
fn nothing_checked(report: &auditlint_core::Report, paths: &[PathBuf]) -> Option<String> {
    if !nothing_seen(report) || !report.errors.is_empty() || paths.iter().any(|p| p.is_file()) {
        return None;
    }
    let shown = if paths.is_empty() {
        "the current directory".to_string()
    } else {
        paths
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Some(format!(
        "nothing to check: no TypeScript, JavaScript, Rust, Go or Python file in {shown} (after the \
         configured and --exclude patterns)"
    ))
}

/// The SARIF log, with every rule at its configured level.
fn sarif(report: &auditlint_core::Report, options: &CheckOptions) -> Result<String> {
    let levels = auditlint_engine::rule_levels(options).context("cannot check")?;
    let rules: Vec<auditlint_report::sarif::RuleDescriptor<'_>> = auditlint_rules::RULES
        .iter()
        .map(|rule| auditlint_report::sarif::RuleDescriptor {
            id: rule.id(),
            summary: rule.summary(),
            documentation: rule.documentation(),
            level: levels
                .iter()
                .find(|(id, _)| *id == rule.id())
                .map_or(auditlint_core::Level::Error, |&(_, level)| level),
        })
        .collect();
    Ok(auditlint_report::sarif::render(
        report,
        env!("CARGO_PKG_VERSION"),
        &rules,
    ))
}

/// On GitHub Actions, appends the findings table to the job summary (`$GITHUB_STEP_SUMMARY`).
fn append_step_summary(report: &auditlint_core::Report) -> Result<()> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .with_context(|| format!("cannot open GITHUB_STEP_SUMMARY ({})", path.display()))?;
    file.write_all(auditlint_report::github::step_summary(report).as_bytes())
        .with_context(|| format!("cannot write GITHUB_STEP_SUMMARY ({})", path.display()))
}

/// `--update-baseline`: the ratchet. Writes the baseline's entries that still occur (the engine
/// keeps those outside the checked paths and in files that could not be checked) and lists the
/// removed ones on stderr.
fn update_baseline(
    file: Option<&std::path::Path>,
    old: Option<&auditlint_core::baseline::Baseline>,
    report: &auditlint_core::Report,
) -> Result<()> {
    let (Some(file), Some(old), Some(kept)) = (file, old, &report.baseline) else {
        return Ok(());
    };
    auditlint_engine::save_baseline(file, kept).context("cannot update the baseline")?;
    let removed: Vec<_> = old
        .findings
        .iter()
        .filter(|entry| !kept.findings.contains(entry))
        .collect();
    let plural = if removed.len() == 1 { "y" } else { "ies" };
    eprintln!(
        "auditlint: removed {} baseline entr{plural} from {} ({} kept)",
        removed.len(),
        file.display(),
        kept.findings.len()
    );
    for entry in removed {
        eprintln!("  {} {}: {}", entry.rule, entry.path, entry.message);
    }
    Ok(())
}

/// Runs the engine for a subcommand; a configuration error is exit 2 with its location.
fn run_engine(options: &CheckOptions) -> Result<Result<auditlint_core::Report, ExitCode>> {
    match auditlint_engine::check(options) {
        Ok(report) => Ok(Ok(report)),
        Err(EngineError::Config(mut err)) => {
            if std::path::Path::new(&err.path).is_absolute() {
                err.path = auditlint_engine::shown_path(std::path::Path::new(&err.path));
            }
            eprintln!("auditlint: error: invalid configuration: {err}");
            Ok(Err(ExitCode::from(2)))
        }
        Err(err) => Err(err).context("cannot check"),
    }
}

/// Writes to stdout; a closed pipe is not an error.
fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(err).context("cannot write the report")
        }
        _ => Ok(()),
    }
}

/// Files that could not be checked, on stderr; exit 2 when there are any.
fn report_errors(report: &auditlint_core::Report) -> ExitCode {
    for error in &report.errors {
        eprintln!("auditlint: error: {}: {}", error.path, error.message);
    }
    if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

/// `auditlint baseline FILE [PATHS]`: today's unsuppressed findings, written atomically.
fn record_baseline(args: BaselineArgs) -> Result<ExitCode> {
    let options = CheckOptions {
        paths: args.paths,
        config: args.config,
        threads: args.threads.map(usize::from),
        baseline: auditlint_engine::BaselineMode::Record,
        ..CheckOptions::default()
    };
    let report = match run_engine(&options)? {
        Ok(report) => report,
        Err(code) => return Ok(code),
    };
    let baseline = report.baseline.clone().unwrap_or_default();
    auditlint_engine::save_baseline(&args.file, &baseline).context("cannot write the baseline")?;
    let count = baseline.findings.len();
    let plural = if count == 1 { "" } else { "s" };
    eprintln!(
        "auditlint: recorded {count} finding{plural} in {}",
        args.file.display()
    );
    Ok(report_errors(&report))
}

#[derive(Clone, Copy)]
enum Export {
    Suppressions,
    Inventory,
}

/// `auditlint suppressions` and `auditlint inventory`: evidence exports.
fn export(args: ExportArgs, what: Export) -> Result<ExitCode> {
    let options = CheckOptions {
        paths: args.paths,
        config: args.config,
        threads: args.threads.map(usize::from),
        inventory: matches!(what, Export::Inventory),
        ..CheckOptions::default()
    };
    let report = match run_engine(&options)? {
        Ok(report) => report,
        Err(code) => return Ok(code),
    };
    let version = env!("CARGO_PKG_VERSION");
    let text = match (what, args.format) {
        (Export::Suppressions, ExportFormat::Markdown) => {
            let date = auditlint_engine::today().map_err(anyhow::Error::msg)?;
            auditlint_report::suppressions::render_markdown(&report, &date)
        }
        (Export::Suppressions, ExportFormat::Json) => {
            auditlint_report::suppressions::render_json(&report, version)
        }
        (Export::Suppressions, ExportFormat::Csv) => {
            auditlint_report::suppressions::render_csv(&report)
        }
        (Export::Inventory, format) => {
            let inventory = report.inventory.clone().unwrap_or_default();
            match format {
                ExportFormat::Markdown => {
                    auditlint_report::inventory::render_markdown(&inventory, version)
                }
                ExportFormat::Json => auditlint_report::inventory::render_json(&inventory, version),
                ExportFormat::Csv => auditlint_report::inventory::render_csv(&inventory),
            }
        }
    };
    print(&text)?;
    Ok(report_errors(&report))
}

/// `auditlint debug-parse PATHS`: `{"path": …, "outcome": "parsed" | "syntax-error" |
/// "generated" | "not-checked", "message": …}` per file, sorted by path.
fn debug_parse(paths: &[PathBuf], parse_generated: bool) -> Result<ExitCode> {
    use auditlint_engine::ParseOutcome;
    let max_file_size = auditlint_core::Config::defaults(&[]).max_file_size;
    let mut out = String::new();
    for (path, outcome) in auditlint_engine::debug_parse(paths, max_file_size, parse_generated) {
        let (kind, message) = match &outcome {
            ParseOutcome::Parsed => ("parsed", None),
            ParseOutcome::SyntaxError(m) => ("syntax-error", Some(m)),
            ParseOutcome::Generated(m) => ("generated", Some(m)),
            ParseOutcome::NotChecked(m) => ("not-checked", Some(m)),
        };
        let mut line = serde_json::json!({ "path": path, "outcome": kind });
        if let Some(message) = message {
            line["message"] = message.as_str().into();
        }
        out.push_str(&line.to_string());
        out.push('\n');
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// `auditlint init`: candidates with their evidence on stderr, the chosen tables written to
/// `auditlint.toml` (or printed with `--dry-run`).
fn init(args: InitArgs) -> Result<ExitCode> {
    use std::io::IsTerminal;
    let start = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let start = start
        .canonicalize()
        .with_context(|| format!("{}: no such directory", start.display()))?;
    let project = auditlint_engine::find_project(&start, None)?;
    let (candidates, unread) =
        auditlint_engine::init::candidates(&project.root, &project.config.vocab);
    let mut err = std::io::stderr().lock();
    for problem in &unread {
        writeln!(
            err,
            "auditlint: warning: not read, its declarations are not listed: {problem}"
        )?;
    }
    if candidates.is_empty() {
        writeln!(
            err,
            "auditlint init: no audit store candidates beyond the default vocabulary in {}",
            project.root.display()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(err, "candidate audit stores, strongest first:")?;
    for c in &candidates {
        writeln!(
            err,
            "  {:<28} {} score {:>2}  declared {}; audit columns: {}; {} write site(s), {} update/delete site(s){}",
            c.name,
            if c.is_strong() { "strong" } else { "weak  " },
            c.score,
            c.declared,
            if c.audit_columns.is_empty() {
                "none".to_string()
            } else {
                c.audit_columns.join(", ")
            },
            c.writes,
            c.mutations,
            if c.writes > 0 && c.mutations == 0 {
                " (append-only)"
            } else {
                ""
            }
        )?;
    }
    let interactive = !args.yes && !args.dry_run && std::io::stdin().is_terminal();
    let mut chosen: Vec<String> = Vec::new();
    for c in &candidates {
        let take = if interactive {
            write!(err, "declare `{}` as an audit table? [y/N] ", c.name)?;
            err.flush()?;
            let mut answer = String::new();
            std::io::stdin().read_line(&mut answer)?;
            matches!(answer.trim(), "y" | "Y" | "yes")
        } else {
            c.is_strong()
        };
        if take {
            chosen.push(c.name.clone());
        }
    }
    let toml = auditlint_engine::init::toml_for(&chosen);
    if args.dry_run || (!args.yes && !interactive) {
        print!("{toml}");
        if !args.dry_run {
            writeln!(
                err,
                "nothing written: run `auditlint init --yes` to declare the strong candidates"
            )?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if chosen.is_empty() {
        writeln!(err, "nothing chosen; auditlint.toml left as it is")?;
        return Ok(ExitCode::SUCCESS);
    }
    let file = project.root.join(auditlint_engine::CONFIG_FILE);
    let existing = match std::fs::read_to_string(&file) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("{}", file.display())),
    };
    let text = match existing {
        None => toml,
        Some(text) if !text.lines().any(|l| l.trim() == "[sinks]") => {
            format!("{}\n\n{toml}", text.trim_end())
        }
        Some(text) if args.force => replace_extend_tables(&text, &chosen),
        Some(_) => {
            writeln!(
                err,
                "auditlint: error: {} already has a [sinks] section; add this yourself, or re-run with --force to set its extend-tables:\n{toml}",
                file.display()
            )?;
            return Ok(ExitCode::from(2));
        }
    };
    std::fs::write(&file, text).with_context(|| format!("{}", file.display()))?;
    writeln!(
        err,
        "declared {} audit table(s) in {}: {}",
        chosen.len(),
        file.display(),
        chosen.join(", ")
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Sets `extend-tables` in the `[sinks]` section of `text` (replacing the line if there is one).
fn replace_extend_tables(text: &str, tables: &[String]) -> String {
    let list: Vec<String> = tables.iter().map(|t| format!("{t:?}")).collect();
    let line = format!("extend-tables = [{}]", list.join(", "));
    let mut out: Vec<String> = Vec::new();
    let mut in_sinks = false;
    let mut done = false;
    for l in text.lines() {
        let trimmed = l.trim();
        if trimmed.starts_with('[') {
            if in_sinks && !done {
                out.push(line.clone());
                done = true;
            }
            in_sinks = trimmed == "[sinks]";
        }
        if in_sinks && trimmed.starts_with("extend-tables") {
            out.push(line.clone());
            done = true;
            continue;
        }
        out.push(l.to_string());
    }
    if in_sinks && !done {
        out.push(line);
    }
    out.join("\n") + "\n"
}
