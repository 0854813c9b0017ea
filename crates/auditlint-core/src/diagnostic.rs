//! Diagnostics as plain data: what rules emit and every emitter renders.

use serde::{Deserialize, Serialize};

use crate::span::{Position, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A secondary location: the audit write, the flag's declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub file: u32,
    pub span: Span,
    pub message: String,
}

/// What a rule reports, before the engine resolves paths and positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub file: u32,
    pub span: Span,
    pub message: String,
    pub help: String,
    pub labels: Vec<Label>,
    /// The sink or flag name, part of the fingerprint.
    pub subject: String,
    /// The name of the function the finding is in (`Class.method` for methods), part of the
    /// fingerprint; `None` at the top level or in an anonymous function.
    pub function: Option<String>,
    /// A fix the engine turns into edits once it has the file's text.
    pub fix: Option<crate::fix::SurfacePlan>,
}

/// A located label, ready for any emitter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingLabel {
    pub path: String,
    pub span: Span,
    pub start: Position,
    pub end: Position,
    pub message: String,
}

/// A located, severity-resolved diagnostic. (Serde: the run cache keeps findings; the JSON
/// contract is written by `auditlint-report`.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    #[serde(deserialize_with = "interned")]
    pub rule: StaticText,
    pub severity: Severity,
    pub path: String,
    pub span: Span,
    pub start: Position,
    pub end: Position,
    pub message: String,
    pub help: String,
    pub labels: Vec<FindingLabel>,
    pub fingerprint: String,
    /// Set when an inline suppression silences this finding: it is still reported (counted in
    /// the summary, shown in JSON and SARIF) but does not fail the run.
    pub suppressed: Option<Suppressed>,
    /// Edits that would make this finding go away (`check --fix`, the editor's code actions).
    pub fix: Option<crate::fix::Fix>,
}

/// The suppression that silenced a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    pub reason: String,
    /// 1-based line of the suppression comment.
    pub line: u32,
}

impl Finding {
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (
            &self.path,
            self.start.line,
            self.start.column,
            self.rule,
            &self.message,
        )
    }
}

/// A file that could not be (fully) checked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FileError {
    pub path: String,
    pub message: String,
}

/// FNV-1a, 64 bits: a stable hash for fingerprints (std's hasher is not stable across releases).
pub fn stable_hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files_scanned: usize,
    pub files_parsed: usize,
    pub findings: usize,
    pub suppressed: usize,
    pub errors: usize,
    pub elapsed_ms: u64,
    /// Generated or minified files in the checked paths, recognised and not analysed.
    pub skipped_generated: usize,
    /// Test, bench and example files in the checked paths, not analysed (`[files] check-tests`).
    pub skipped_tests: usize,
    /// With `--baseline`: how many findings the baseline hid (they are not in `findings`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baselined: Option<usize>,
}

/// The result of one run: everything an emitter needs.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Sorted by path, line, column, rule.
    pub findings: Vec<Finding>,
    /// Sorted by path.
    pub errors: Vec<FileError>,
    pub summary: Summary,
    /// The text of every file a finding or label points into, for emitters that show code.
    pub sources: std::collections::BTreeMap<String, String>,
    /// Set when the run recorded or applied a baseline (see `CheckOptions::baseline`).
    pub baseline: Option<crate::baseline::Baseline>,
    /// Every inline suppression in the checked files, for evidence exports.
    pub suppressions: Vec<crate::suppression::SuppressionRecord>,
    /// The audit-coverage inventory, when asked for (`CheckOptions::inventory`).
    pub inventory: Option<crate::inventory::Inventory>,
    /// Files in the checked paths deliberately not analysed (generated code, tests), sorted:
    /// counted in the summary, listed with `--verbose`. Never errors.
    pub skipped: Vec<SkippedFile>,
    /// Problems that cost speed, never correctness (a facts cache that cannot be written):
    /// said on stderr, never a reason for exit code 2.
    pub warnings: Vec<String>,
}

impl Report {
    /// `summary.findings` counts the findings that are not suppressed; `summary.suppressed` the
    /// others (both stay in `findings`): recounted after findings were dropped or narrowed.
    pub fn recount_findings(&mut self) {
        let suppressed = self
            .findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .count();
        self.summary.suppressed = suppressed;
        self.summary.findings = self.findings.len() - suppressed;
    }
}

/// Why a file was deliberately not analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipKind {
    /// Build output, a bundle, minified code, a file with a generated-code header.
    Generated,
    /// Test, bench or example code (`[files] check-tests = false`).
    Test,
}

/// A file deliberately not analysed, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SkippedFile {
    pub path: String,
    pub kind: SkipKind,
    pub reason: String,
}

/// A `&'static str` field serde reads with [`interned`]. (An alias, so serde does not take
/// `&'static str` for a borrow of its input.)
pub type StaticText = &'static str;

/// Reads back a `&'static str` of a finished run (a rule id, a suppression status) from the
/// run cache: each distinct text is allocated once for the process and shared after that. Only
/// short identifier-like texts, and a bounded number of them, are accepted: anything else
/// rejects the cache entry (which is then recomputed), so no input makes this grow.
pub fn interned<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<&'static str, D::Error> {
    static SEEN: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let text = String::deserialize(deserializer)?;
    if text.is_empty()
        || text.len() > 64
        || !text.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
    {
        return Err(serde::de::Error::custom("not an identifier"));
    }
    let mut seen = SEEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(known) = seen.iter().find(|known| **known == text) {
        return Ok(known);
    }
    if seen.len() >= 256 {
        return Err(serde::de::Error::custom("too many distinct identifiers"));
    }
    let leaked: &'static str = Box::leak(text.into_boxed_str());
    seen.push(leaked);
    Ok(leaked)
}
