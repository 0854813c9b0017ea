//! `--format json`: the JSON contract, version 1 (DESIGN.md "JSON contract").
//!
//! The document is built from structs whose field order is the contract's key order, so the
//! output is byte-stable for the same report.

use auditlint_core::{FileError, Finding, FindingLabel, Report, Summary, Suppressed};
use serde::Serialize;

/// The contract version written in the `version` key.
pub const CONTRACT_VERSION: u32 = 1;

/// The tool name written in `tool.name`.
const TOOL_NAME: &str = "auditlint";

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool<'a>,
    summary: SummaryOut,
    findings: Vec<FindingOut<'a>>,
    errors: Vec<ErrorOut<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct SummaryOut {
    files_scanned: usize,
    files_parsed: usize,
    findings: usize,
    suppressed: usize,
    errors: usize,
    elapsed_ms: u64,
    /// Generated or minified files recognised and not analysed.
    skipped_generated: usize,
    /// Test, bench and example files not analysed (`[files] check-tests = false`).
    skipped_tests: usize,
    /// Only with `--baseline`: findings the baseline hid.
    #[serde(skip_serializing_if = "Option::is_none")]
    baselined: Option<usize>,
}

#[derive(Serialize)]
struct FindingOut<'a> {
    rule: &'a str,
    severity: &'a str,
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    help: &'a str,
    labels: Vec<LabelOut<'a>>,
    fingerprint: &'a str,
    /// Only on a finding an inline suppression silences: `{ "reason": …, "line": … }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a Suppressed>,
}

#[derive(Serialize)]
struct LabelOut<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    path: &'a str,
    message: &'a str,
}

impl From<&Summary> for SummaryOut {
    fn from(summary: &Summary) -> Self {
        Self {
            files_scanned: summary.files_scanned,
            files_parsed: summary.files_parsed,
            findings: summary.findings,
            suppressed: summary.suppressed,
            errors: summary.errors,
            elapsed_ms: summary.elapsed_ms,
            skipped_generated: summary.skipped_generated,
            skipped_tests: summary.skipped_tests,
            baselined: summary.baselined,
        }
    }
}

impl<'a> From<&'a Finding> for FindingOut<'a> {
    fn from(finding: &'a Finding) -> Self {
        Self {
            rule: finding.rule,
            severity: finding.severity.as_str(),
            path: &finding.path,
            line: finding.start.line,
            column: finding.start.column,
            end_line: finding.end.line,
            end_column: finding.end.column,
            message: &finding.message,
            help: &finding.help,
            labels: finding.labels.iter().map(LabelOut::from).collect(),
            fingerprint: &finding.fingerprint,
            suppressed: finding.suppressed.as_ref(),
        }
    }
}

impl<'a> From<&'a FindingLabel> for LabelOut<'a> {
    fn from(label: &'a FindingLabel) -> Self {
        Self {
            path: &label.path,
            line: label.start.line,
            column: label.start.column,
            end_line: label.end.line,
            end_column: label.end.column,
            message: &label.message,
        }
    }
}

impl<'a> From<&'a FileError> for ErrorOut<'a> {
    fn from(error: &'a FileError) -> Self {
        Self {
            path: &error.path,
            message: &error.message,
        }
    }
}

/// Renders `report` as the version-1 JSON document: pretty-printed with a 2-space indent and a
/// trailing newline. Findings and errors keep the report's order (the engine sorts them).
pub fn render(report: &Report, tool_version: &str) -> String {
    let document = Document {
        version: CONTRACT_VERSION,
        tool: Tool {
            name: TOOL_NAME,
            version: tool_version,
        },
        summary: SummaryOut::from(&report.summary),
        findings: report.findings.iter().map(FindingOut::from).collect(),
        errors: report.errors.iter().map(ErrorOut::from).collect(),
    };
    // Serialising plain structs of strings and integers into memory cannot fail.
    let mut out = serde_json::to_string_pretty(&document)
        .expect("the JSON document holds only strings and integers");
    out.push('\n');
    out
}
