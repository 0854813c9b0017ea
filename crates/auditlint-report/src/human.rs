//! `--format human`: rustc-style diagnostics with source snippets (codespan-reporting), then the
//! files that could not be checked, then one summary line.
//!
//! Rendering never panics on bad input: a finding whose file text is missing from
//! `Report::sources`, or whose span does not fit that text, is printed as a plain
//! `path:line:column: …` line instead; a secondary label that does not fit becomes a note.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;

use auditlint_core::{FileError, Finding, FindingLabel, Report, Severity, Span};
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};

/// Renders `report` for a terminal. With `color == false` the text holds no ANSI escapes.
pub fn render(report: &Report, color: bool) -> String {
    render_with(report, color, false)
}

/// [`render`], and with `verbose` the files skipped as generated code or tests, one a line
/// (`skipped: PATH: reason`), before the summary.
pub fn render_with(report: &Report, color: bool, verbose: bool) -> String {
    render_options(
        report,
        &HumanOptions {
            color,
            verbose,
            ..HumanOptions::default()
        },
    )
}

/// What the human output shows.
#[derive(Debug, Clone, Copy)]
pub struct HumanOptions {
    /// ANSI colours.
    pub color: bool,
    /// List the files skipped as generated code or tests (`skipped: PATH: reason`).
    pub verbose: bool,
    /// Findings only: no summary line (`--quiet`).
    pub quiet: bool,
    /// The files that could not be checked, after the findings. The CLI prints them to stderr
    /// instead ([`render_errors`]), so stdout holds findings only.
    pub errors: bool,
    /// One line per rule with its count instead of each finding (`--statistics`).
    pub statistics: bool,
}

impl Default for HumanOptions {
    fn default() -> Self {
        Self {
            color: false,
            verbose: false,
            quiet: false,
            errors: true,
            statistics: false,
        }
    }
}

/// The report as [`HumanOptions`] asks: findings (or the per-rule counts), the files that could
/// not be checked, the skipped files, the summary line.
pub fn render_options(report: &Report, options: &HumanOptions) -> String {
    let sources = Sources::new(&report.sources);
    let config = term::Config::default();
    let mut out = String::new();

    if options.statistics {
        out.push_str(&statistics(report));
    } else {
        // A suppressed finding shows only as a count in the summary line (JSON and SARIF list it).
        for finding in report.findings.iter().filter(|f| f.suppressed.is_none()) {
            let rendered = finding_diagnostic(finding, &sources)
                .and_then(|diagnostic| emit(&sources, &config, &diagnostic, options.color));
            match rendered {
                Some(text) => out.push_str(&text),
                None => push_plain_finding(&mut out, finding),
            }
        }
    }

    if options.errors {
        out.push_str(&render_errors(report, options.color));
    }

    if options.verbose {
        for skipped in &report.skipped {
            let _ = writeln!(out, "skipped: {}: {}", skipped.path, skipped.reason);
        }
    }

    if !options.quiet {
        out.push_str(&summary_line(report));
        out.push('\n');
    }
    out
}

/// The files that could not be checked, one diagnostic each (`error: PATH: why`).
pub fn render_errors(report: &Report, color: bool) -> String {
    let sources = Sources::new(&report.sources);
    let config = term::Config::default();
    let mut out = String::new();
    for error in &report.errors {
        match emit(&sources, &config, &file_error_diagnostic(error), color) {
            Some(text) => out.push_str(&text),
            None => {
                let _ = writeln!(out, "error: {}: {}", error.path, error.message);
            }
        }
    }
    out
}

/// `--statistics`: the unsuppressed findings counted per rule, most frequent first (ties by
/// rule id), with the rule's severity: `   3  audit-error-swallowed  error`.
pub fn statistics(report: &Report) -> String {
    let mut counts: BTreeMap<(&str, Severity), usize> = BTreeMap::new();
    for finding in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        *counts.entry((finding.rule, finding.severity)).or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let width = rows.iter().map(|r| r.0.0.len()).max().unwrap_or(0);
    let mut out = String::new();
    for ((rule, severity), count) in rows {
        let _ = writeln!(out, "{count:>5}  {rule:<width$}  {}", severity.as_str());
    }
    out
}

/// The file database codespan reads snippets from, with a path → id lookup.
struct Sources<'r> {
    files: SimpleFiles<&'r str, &'r str>,
    ids: BTreeMap<&'r str, usize>,
}

impl<'r> Sources<'r> {
    fn new(texts: &'r BTreeMap<String, String>) -> Self {
        let mut files = SimpleFiles::new();
        let ids = texts
            .iter()
            .map(|(path, text)| (path.as_str(), files.add(path.as_str(), text.as_str())))
            .collect();
        Self { files, ids }
    }

    /// The file id and byte range of `span` in `path`, if the text is known and the span lies
    /// within it on character boundaries.
    fn locate(&self, path: &str, span: Span) -> Option<(usize, Range<usize>)> {
        let id = *self.ids.get(path)?;
        let text = self.files.get(id).ok()?.source();
        let range = span.range();
        let fits = range.start <= range.end
            && range.end <= text.len()
            && text.is_char_boundary(range.start)
            && text.is_char_boundary(range.end);
        fits.then_some((id, range))
    }
}

/// The codespan diagnostic for a finding, or `None` when its primary span cannot be shown.
fn finding_diagnostic(finding: &Finding, sources: &Sources<'_>) -> Option<Diagnostic<usize>> {
    let (file, range) = sources.locate(&finding.path, finding.span)?;
    let mut labels = vec![Label::primary(file, range)];
    let mut notes = Vec::new();
    for label in &finding.labels {
        match sources.locate(&label.path, label.span) {
            Some((file, range)) => {
                labels.push(Label::secondary(file, range).with_message(&label.message));
            }
            None => notes.push(plain_label(label)),
        }
    }
    if !finding.help.is_empty() {
        notes.push(format!("help: {}", finding.help));
    }
    Some(
        Diagnostic::new(codespan_severity(finding.severity))
            .with_code(finding.rule)
            .with_message(&finding.message)
            .with_labels(labels)
            .with_notes(notes),
    )
}

fn file_error_diagnostic(error: &FileError) -> Diagnostic<usize> {
    Diagnostic::error().with_message(format!("{}: {}", error.path, error.message))
}

fn codespan_severity(severity: Severity) -> codespan_reporting::diagnostic::Severity {
    match severity {
        Severity::Error => codespan_reporting::diagnostic::Severity::Error,
        Severity::Warning => codespan_reporting::diagnostic::Severity::Warning,
    }
}

/// Renders one diagnostic into a fresh buffer, so a failure leaves no partial output behind.
fn emit(
    sources: &Sources<'_>,
    config: &term::Config,
    diagnostic: &Diagnostic<usize>,
    color: bool,
) -> Option<String> {
    if color {
        let mut writer = termcolor::Ansi::new(Vec::new());
        term::emit_to_write_style(&mut writer, config, &sources.files, diagnostic).ok()?;
        String::from_utf8(writer.into_inner()).ok()
    } else {
        let mut text = String::new();
        term::emit_to_string(&mut text, config, &sources.files, diagnostic).ok()?;
        Some(text)
    }
}

/// The fallback for a finding whose source cannot be shown: positions only, no snippet.
fn push_plain_finding(out: &mut String, finding: &Finding) {
    let _ = writeln!(
        out,
        "{}:{}:{}: {}[{}]: {}",
        finding.path,
        finding.start.line,
        finding.start.column,
        finding.severity.as_str(),
        finding.rule,
        finding.message,
    );
    for label in &finding.labels {
        let _ = writeln!(out, "  = {}", plain_label(label));
    }
    if !finding.help.is_empty() {
        let _ = writeln!(out, "  = help: {}", finding.help);
    }
    out.push('\n');
}

fn plain_label(label: &FindingLabel) -> String {
    format!(
        "{}:{}:{}: {}",
        label.path, label.start.line, label.start.column, label.message
    )
}

/// `Found 3 findings (2 errors, 1 warning) in 12 files scanned, 4 parsed, in 35 ms.`
///
/// Finding and error counts come from the lists just printed, so the line always agrees with
/// the output above it; file counts and time come from the summary.
fn summary_line(report: &Report) -> String {
    let shown = || report.findings.iter().filter(|f| f.suppressed.is_none());
    let total = shown().count();
    let errors = shown()
        .filter(|finding| finding.severity == Severity::Error)
        .count();
    let warnings = total - errors;
    let summary = &report.summary;

    let mut line = if total == 0 {
        String::from("No findings")
    } else {
        format!(
            "Found {} ({}, {})",
            counted(total, "finding", "findings"),
            counted(errors, "error", "errors"),
            counted(warnings, "warning", "warnings"),
        )
    };
    let _ = write!(
        line,
        " in {} scanned, {} parsed, in {} ms",
        counted(summary.files_scanned, "file", "files"),
        summary.files_parsed,
        summary.elapsed_ms,
    );
    if summary.suppressed > 0 {
        let _ = write!(line, ", {} suppressed", summary.suppressed);
    }
    if let Some(baselined) = summary.baselined.filter(|&n| n > 0) {
        let _ = write!(line, ", {baselined} in the baseline");
    }
    if summary.skipped_generated > 0 {
        let _ = write!(
            line,
            ", {} skipped as generated",
            counted(summary.skipped_generated, "file", "files")
        );
    }
    if summary.skipped_tests > 0 {
        let _ = write!(
            line,
            ", {} skipped (`check-tests`)",
            counted(summary.skipped_tests, "test file", "test files")
        );
    }
    if !report.errors.is_empty() {
        let _ = write!(
            line,
            ", {} could not be checked",
            counted(report.errors.len(), "file", "files"),
        );
    }
    line.push('.');
    line
}

fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
