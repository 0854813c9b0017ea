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
    about = "Finds silent error swallowing around audit-log writes in TypeScript/JavaScript",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files or directories (default: the current directory).
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
    /// Keep the facts cache here instead of `.auditlint_cache/` in the project root.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Neither read nor write the facts cache.
    #[arg(long)]
    no_cache: bool,
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
    let cli = Cli::parse();
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

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Baseline(args) => record_baseline(args),
        Command::Suppressions(args) => export(args, Export::Suppressions),
        Command::Inventory(args) => export(args, Export::Inventory),
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

fn check(args: CheckArgs) -> Result<ExitCode> {
    let options = CheckOptions {
        paths: args.paths,
        config: args.config,
        threads: args.threads.map(usize::from),
        cwd: None,
        overlay: Default::default(),
        changed_since: args.changed_since,
        baseline: match &args.baseline {
            Some(file) => auditlint_engine::BaselineMode::Apply(
                auditlint_engine::load_baseline(file).context("cannot use the baseline")?,
            ),
            None => auditlint_engine::BaselineMode::Off,
        },
        inventory: false,
        cache: match (args.no_cache, args.cache_dir) {
            (true, _) => auditlint_engine::CacheMode::Off,
            (false, Some(dir)) => auditlint_engine::CacheMode::Dir(dir),
            (false, None) => auditlint_engine::CacheMode::Project,
        },
    };
    let report = match auditlint_engine::check(&options) {
        Ok(report) => report,
        Err(EngineError::Config(err)) => {
            eprintln!("auditlint: error: invalid configuration: {err}");
            return Ok(ExitCode::from(2));
        }
        Err(err) => return Err(err).context("cannot check"),
    };
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
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            auditlint_report::human::render_with(&report, color, args.verbose)
        }
    };
    let mut out = std::io::stdout().lock();
    if let Err(err) = out
        .write_all(rendered.as_bytes())
        .and_then(|()| out.flush())
    {
        // A closed pipe (`| head`) is not an error worth a message.
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(err).context("cannot write the report");
        }
    }
    if args.update_baseline {
        update_baseline(args.baseline.as_deref(), &report)?;
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
    Ok(if failing {
        ExitCode::from(1)
    } else if !report.errors.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
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
/// keeps those outside the checked paths and in files that could not be checked).
fn update_baseline(file: Option<&std::path::Path>, report: &auditlint_core::Report) -> Result<()> {
    let (Some(file), Some(kept)) = (file, &report.baseline) else {
        return Ok(());
    };
    auditlint_engine::save_baseline(file, kept).context("cannot update the baseline")?;
    Ok(())
}

/// Runs the engine for a subcommand; a configuration error is exit 2 with its location.
fn run_engine(options: &CheckOptions) -> Result<Result<auditlint_core::Report, ExitCode>> {
    match auditlint_engine::check(options) {
        Ok(report) => Ok(Ok(report)),
        Err(EngineError::Config(err)) => {
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
