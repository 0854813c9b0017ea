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
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
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
        Format::Human => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            auditlint_report::human::render(&report, color)
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
    let failing = report.findings.iter().any(|f| match args.fail_on {
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
