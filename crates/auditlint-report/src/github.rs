//! `--format github`: GitHub Actions workflow commands, which the runner turns into annotations
//! on the pull request's diff, and a Markdown table for the job summary.
//!
//! `::error file=…,line=…,endLine=…,col=…,endColumn=…,title=…::message`, escaped as
//! `@actions/core` escapes: `%`, `\r`, `\n` in the message, and also `:` and `,` in property
//! values. GitHub shows at most 10 annotations of each level per step, so only the first 10 of
//! each level are printed (errors and warnings separately, in report order: by path, line,
//! column) and one `::notice::` says how many were left out; the job summary
//! ([`step_summary`]) lists every finding. Suppressed findings are not annotated.

use std::fmt::Write as _;

use auditlint_core::{FileError, Finding, Report, Severity};

/// GitHub displays at most this many annotations per level (error, warning) per step.
pub const MAX_ANNOTATIONS_PER_LEVEL: usize = 10;

/// The workflow commands for `report`: annotations, the notice for those left out, and one
/// plain summary line for the log.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let mut left_out = [0usize; 2];
    let mut shown = [0usize; 2];
    let findings = report.findings.iter().filter(|f| f.suppressed.is_none());
    for finding in findings.clone() {
        let slot = usize::from(finding.severity == Severity::Warning);
        if shown[slot] < MAX_ANNOTATIONS_PER_LEVEL {
            shown[slot] += 1;
            push_finding(&mut out, finding);
        } else {
            left_out[slot] += 1;
        }
    }
    // A file that could not be checked is an error annotation too, after the findings.
    for error in &report.errors {
        if shown[0] < MAX_ANNOTATIONS_PER_LEVEL {
            shown[0] += 1;
            push_file_error(&mut out, error);
        } else {
            left_out[0] += 1;
        }
    }
    let [errors_left, warnings_left] = left_out;
    if errors_left + warnings_left > 0 {
        let _ = writeln!(
            out,
            "::notice title=auditlint::{}",
            escape_data(&format!(
                "{} and {} not shown as annotations (GitHub shows {MAX_ANNOTATIONS_PER_LEVEL} per \
                 level per step); the job summary and the SARIF upload list them all",
                counted(errors_left, "more error", "more errors"),
                counted(warnings_left, "more warning", "more warnings"),
            ))
        );
    }
    let total = findings.clone().count();
    let errors = findings.filter(|f| f.severity == Severity::Error).count();
    let _ = writeln!(
        out,
        "auditlint: {} ({}, {}), {} suppressed, {} not checked",
        counted(total, "finding", "findings"),
        counted(errors, "error", "errors"),
        counted(total - errors, "warning", "warnings"),
        report.summary.suppressed,
        counted(report.errors.len(), "file", "files"),
    );
    out
}

fn push_finding(out: &mut String, finding: &Finding) {
    let mut message = finding.message.clone();
    if !finding.help.is_empty() {
        let _ = write!(message, "\nhelp: {}", finding.help);
    }
    for label in &finding.labels {
        let _ = write!(
            message,
            "\n{}:{}:{}: {}",
            label.path, label.start.line, label.start.column, label.message
        );
    }
    let _ = writeln!(
        out,
        "::{} file={},line={},endLine={},col={},endColumn={},title={}::{}",
        finding.severity.as_str(),
        escape_property(&finding.path),
        finding.start.line,
        finding.end.line,
        finding.start.column,
        finding.end.column,
        escape_property(&format!("auditlint: {}", finding.rule)),
        escape_data(&message),
    );
}

fn push_file_error(out: &mut String, error: &FileError) {
    let message = format!("could not be checked: {}", error.message);
    if error.path.starts_with('<') {
        let _ = writeln!(out, "::error title=auditlint::{}", escape_data(&message));
    } else {
        let _ = writeln!(
            out,
            "::error file={},title=auditlint::{}",
            escape_property(&error.path),
            escape_data(&message),
        );
    }
}

/// `@actions/core`'s `escapeData`: the message of a workflow command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `@actions/core`'s `escapeProperty`: a `key=value` property of a workflow command.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The Markdown the job summary (`$GITHUB_STEP_SUMMARY`) gets: a heading, the counts, and a table
/// of every finding (suppressed ones marked), then the files that could not be checked.
pub fn step_summary(report: &Report) -> String {
    let mut out = String::from("### auditlint\n\n");
    let active = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .count();
    if report.findings.is_empty() {
        out.push_str("No findings.\n");
    } else {
        let _ = writeln!(
            out,
            "{}, {} suppressed.\n",
            counted(active, "finding", "findings"),
            report.findings.len() - active,
        );
        out.push_str("| Severity | Rule | Location | Message |\n");
        out.push_str("| --- | --- | --- | --- |\n");
        for finding in &report.findings {
            let severity = match &finding.suppressed {
                Some(_) => "suppressed",
                None => finding.severity.as_str(),
            };
            let mut message = finding.message.clone();
            if let Some(suppressed) = &finding.suppressed {
                let _ = write!(message, " (suppressed: {})", suppressed.reason);
            }
            let _ = writeln!(
                out,
                "| {severity} | [`{}`]({}) | `{}:{}:{}` | {} |",
                finding.rule,
                crate::rule_help_uri(finding.rule),
                escape_cell(&finding.path),
                finding.start.line,
                finding.start.column,
                escape_cell(&message),
            );
        }
    }
    if !report.errors.is_empty() {
        out.push_str("\nNot checked:\n\n");
        for error in &report.errors {
            let _ = writeln!(
                out,
                "- `{}`: {}",
                escape_cell(&error.path),
                escape_cell(&error.message)
            );
        }
    }
    out.push('\n');
    out
}

/// A table cell stays one cell on one line.
fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace("\r\n", " ")
        .replace(['\n', '\r'], " ")
}

fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_toolkit() {
        assert_eq!(escape_data("50%\r\ndone: a,b"), "50%25%0D%0Adone: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn table_cells_stay_on_one_line() {
        assert_eq!(escape_cell("a|b\nc"), "a\\|b c");
    }
}
