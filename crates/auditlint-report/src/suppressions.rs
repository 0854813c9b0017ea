//! `auditlint suppressions --format markdown|json|csv`: every inline suppression with its
//! file, line, rules, reason, `until`, status and whether it silenced a finding — an export for
//! an auditor's evidence request.

use auditlint_core::Report;
use auditlint_core::suppression::{SuppressionRecord, SuppressionScope};
use serde::Serialize;

use crate::table::{csv_row, md_row};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool<'a>,
    totals: Totals,
    suppressions: &'a [SuppressionRecord],
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct Totals {
    suppressions: usize,
    valid: usize,
    invalid: usize,
    expired: usize,
    /// Valid suppressions that silenced nothing.
    unused: usize,
    /// Findings silenced.
    findings: usize,
}

fn totals(records: &[SuppressionRecord]) -> Totals {
    let status = |s: &str| records.iter().filter(|r| r.status == s).count();
    Totals {
        suppressions: records.len(),
        valid: status("valid"),
        invalid: status("invalid"),
        expired: status("expired"),
        unused: records
            .iter()
            .filter(|r| r.status == "valid" && !r.matched)
            .count(),
        findings: records.iter().map(|r| r.findings).sum(),
    }
}

/// Pretty JSON with a trailing newline.
pub fn render_json(report: &Report, tool_version: &str) -> String {
    let document = Document {
        version: 1,
        tool: Tool {
            name: crate::TOOL_NAME,
            version: tool_version,
        },
        totals: totals(&report.suppressions),
        suppressions: &report.suppressions,
    };
    let mut out = serde_json::to_string_pretty(&document)
        .expect("the suppressions document holds only strings, numbers and booleans");
    out.push('\n');
    out
}

fn scope(record: &SuppressionRecord) -> &'static str {
    match record.scope {
        SuppressionScope::Line => "line",
        SuppressionScope::File => "file",
    }
}

/// One row per suppression, with a header row.
pub fn render_csv(report: &Report) -> String {
    let mut out = csv_row(
        &[
            "path", "line", "scope", "rules", "reason", "until", "status", "matched", "findings",
            "problems",
        ]
        .map(String::from),
    );
    for r in &report.suppressions {
        out.push_str(&csv_row(&[
            r.path.clone(),
            r.line.to_string(),
            scope(r).to_string(),
            r.rules.join(" "),
            r.reason.clone(),
            r.until.clone().unwrap_or_default(),
            r.status.to_string(),
            r.matched.to_string(),
            r.findings.to_string(),
            r.problems.join("; "),
        ]));
    }
    out
}

/// A Markdown document: totals, then one table row per suppression.
pub fn render_markdown(report: &Report, date: &str) -> String {
    let records = &report.suppressions;
    let t = totals(records);
    let mut out = String::from("# auditlint: inline suppressions\n\n");
    out.push_str(&format!("Date: {date}\n\n"));
    let counted =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    out.push_str(&format!(
        "{}: {} valid ({} silenced nothing), {} invalid, {} expired; {} silenced.\n\n",
        counted(t.suppressions, "suppression", "suppressions"),
        t.valid,
        t.unused,
        t.invalid,
        t.expired,
        counted(t.findings, "finding", "findings"),
    ));
    if records.is_empty() {
        out.push_str("No inline suppressions.\n");
        return out;
    }
    out.push_str(
        "| File | Line | Scope | Rules | Reason | Until | Status | Silenced |\n\
         | --- | ---: | --- | --- | --- | --- | --- | ---: |\n",
    );
    for r in records {
        let status = if r.problems.is_empty() {
            r.status.to_string()
        } else {
            format!("{}: {}", r.status, r.problems.join("; "))
        };
        out.push_str(&md_row(&[
            format!("`{}`", r.path),
            r.line.to_string(),
            scope(r).to_string(),
            r.rules
                .iter()
                .map(|rule| format!("`{rule}`"))
                .collect::<Vec<_>>()
                .join(", "),
            r.reason.clone(),
            r.until.clone().unwrap_or_else(|| "—".into()),
            status,
            r.findings.to_string(),
        ]));
    }
    out
}
