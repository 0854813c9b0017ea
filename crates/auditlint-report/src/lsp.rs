//! `--format lsp`: one JSON array of LSP `PublishDiagnosticsParams`, one element per file with
//! findings, for editors and tools that take LSP-shaped diagnostics from a command.
//!
//! Diagnostics read as the language server's do: `code` is the rule id, `codeDescription.href`
//! its document, `source` is `auditlint`, the message ends with the help line, secondary labels
//! become `relatedInformation`. Lines are 0-based and columns count UTF-16 code units (the
//! protocol's default encoding), computed from the file's text. Suppressed findings are left
//! out, as the server leaves them out.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use auditlint_core::{Finding, LineIndex, Position as EnginePosition, Report, Severity, Span};
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, PublishDiagnosticsParams, Range, Uri,
};

/// Renders the report's unsuppressed findings as a pretty-printed JSON array of
/// `PublishDiagnosticsParams`, ordered by path. `cwd` is the absolute directory the report's
/// paths are relative to; URIs are `file://` URIs of the absolute paths.
pub fn render(report: &Report, cwd: &Path) -> String {
    let params = publish_params(report, cwd);
    let mut out =
        serde_json::to_string_pretty(&params).expect("PublishDiagnosticsParams serialise to JSON");
    out.push('\n');
    out
}

/// The `PublishDiagnosticsParams` of `report`, one per file with an unsuppressed finding.
pub fn publish_params(report: &Report, cwd: &Path) -> Vec<PublishDiagnosticsParams> {
    let mut lines = Lines::new(&report.sources);
    let mut by_path: BTreeMap<&str, Vec<Diagnostic>> = BTreeMap::new();
    for finding in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        let diagnostic = diagnostic(finding, cwd, &mut lines);
        by_path
            .entry(finding.path.as_str())
            .or_default()
            .push(diagnostic);
    }
    by_path
        .into_iter()
        .filter_map(|(path, diagnostics)| {
            Some(PublishDiagnosticsParams {
                uri: file_uri(&cwd.join(path))?,
                diagnostics,
                version: None,
            })
        })
        .collect()
}

fn diagnostic(finding: &Finding, cwd: &Path, lines: &mut Lines<'_>) -> Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = finding
        .labels
        .iter()
        .filter_map(|label| {
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: file_uri(&cwd.join(&label.path))?,
                    range: lines.range(&label.path, label.span, label.start, label.end),
                },
                message: label.message.clone(),
            })
        })
        .collect();
    let message = if finding.help.is_empty() {
        finding.message.clone()
    } else {
        format!("{}\nhelp: {}", finding.message, finding.help)
    };
    Diagnostic {
        range: lines.range(&finding.path, finding.span, finding.start, finding.end),
        severity: Some(match finding.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(finding.rule.to_owned())),
        code_description: Uri::from_str(&crate::rule_help_uri(finding.rule))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some(crate::TOOL_NAME.to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// Line indexes of the report's sources, built once per file.
struct Lines<'r> {
    sources: &'r BTreeMap<String, String>,
    indexes: BTreeMap<&'r str, LineIndex>,
}

impl<'r> Lines<'r> {
    fn new(sources: &'r BTreeMap<String, String>) -> Self {
        Self {
            sources,
            indexes: BTreeMap::new(),
        }
    }

    /// The LSP range of `span` in `path`. Without the file's text (or for a span that does not
    /// fit it) the engine's 1-based scalar-value positions are converted as they stand, which is
    /// exact for text without characters outside the Basic Multilingual Plane.
    fn range(
        &mut self,
        path: &str,
        span: Span,
        start: EnginePosition,
        end: EnginePosition,
    ) -> Range {
        let located = self.sources.get_key_value(path).and_then(|(path, text)| {
            let index = self
                .indexes
                .entry(path.as_str())
                .or_insert_with(|| LineIndex::new(text));
            Some(Range {
                start: utf16_position(text, index, span.start as usize)?,
                end: utf16_position(text, index, span.end as usize)?,
            })
        });
        located.unwrap_or_else(|| Range {
            start: fallback_position(start),
            end: fallback_position(end),
        })
    }
}

/// The 0-based line and UTF-16 column of byte `offset`, if it is a character boundary of `text`.
fn utf16_position(text: &str, index: &LineIndex, offset: usize) -> Option<Position> {
    if !text.is_char_boundary(offset) {
        return None;
    }
    let line = index.line_of(offset);
    let prefix = text.get(index.line_start(line)..offset)?;
    Some(Position {
        line: u32::try_from(line).ok()?,
        character: u32::try_from(prefix.encode_utf16().count()).ok()?,
    })
}

fn fallback_position(position: EnginePosition) -> Position {
    Position {
        line: position.line.saturating_sub(1),
        character: position.column.saturating_sub(1),
    }
}

/// `file:///abs/a%20b.ts` for an absolute path (`.` and `..` resolved lexically); `None` for a
/// path that is not valid Unicode.
fn file_uri(path: &Path) -> Option<Uri> {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    let text = normal.to_str()?;
    let mut uri = String::with_capacity(text.len() + 8);
    uri.push_str("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&uri).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let text = "x\n  é😀y\n";
        let index = LineIndex::new(text);
        let offset = text.find('y').unwrap();
        assert_eq!(
            utf16_position(text, &index, offset),
            Some(Position {
                line: 1,
                character: 5
            })
        );
        assert_eq!(utf16_position(text, &index, offset - 1), None, "inside 😀");
    }

    #[test]
    fn file_uris_are_absolute_and_encoded() {
        let uri = file_uri(Path::new("/work/a b/../ü.ts")).unwrap();
        assert_eq!(uri.as_str(), "file:///work/%C3%BC.ts");
    }
}
