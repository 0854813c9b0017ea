//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.
//!
//! Hand-written structs, one per SARIF object we emit, with only the properties we fill. What
//! GitHub reads: `tool.driver.rules` (with the rule documents as help), `results` with a
//! `%SRCROOT%`-relative location, `relatedLocations` for the secondary labels and
//! `partialFingerprints.primaryLocationLineHash` computed with GitHub's own algorithm
//! ([`line_hash`]), so alerts keep their identity when unrelated lines move.
//!
//! Columns count Unicode scalar values, as everywhere in auditlint, so the run says
//! `columnKind: "unicodeCodePoints"` (SARIF's default is UTF-16 code units).

mod line_hash;

use std::collections::HashMap;

use auditlint_core::{FileError, Finding, FindingLabel, Level, Report, Severity};
use serde::Serialize;

pub use line_hash::line_hashes;

/// GitHub code scanning shows at most 5,000 results per run; more are cut, with a notification.
pub const MAX_RESULTS: usize = 5_000;

/// The base every location's relative `uri` is resolved against: the repository checkout.
pub const SRCROOT: &str = "%SRCROOT%";

/// The key of our own fingerprint in `partialFingerprints` (the finding's `fingerprint`).
pub const FINGERPRINT_KEY: &str = "auditlint/v1";

/// Tags on every rule: the kind of problem and the controls the audit trail is evidence for.
const RULE_TAGS: &[&str] = &[
    "security",
    "audit-logging",
    "SOC2-CC7.2",
    "ISO27001-A.12.4.1",
];

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A rule as `tool.driver.rules` describes it: the registry entry and the configured level.
#[derive(Debug, Clone, Copy)]
pub struct RuleDescriptor<'a> {
    pub id: &'a str,
    /// One line: `shortDescription`.
    pub summary: &'a str,
    /// The rule document (`rules/<id>.md`): `help`, and its first paragraph `fullDescription`.
    pub documentation: &'a str,
    /// The level the configuration gives the rule: `defaultConfiguration`.
    pub level: Level,
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation; 1],
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    semantic_version: &'a str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: String,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help_uri: String,
    help: Help<'a>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct OwnedText {
    text: String,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: &'static [&'static str],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: OwnedText,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<'a>,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation<'a>>,
    partial_fingerprints: PartialFingerprints<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation<'a> {
    id: usize,
    physical_location: PhysicalLocation,
    message: Text<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PartialFingerprints<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_location_line_hash: Option<String>,
    #[serde(rename = "auditlint/v1")]
    auditlint: &'a str,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'static str,
    justification: &'a str,
}

/// Renders `report` as a SARIF 2.1.0 log with one run, pretty-printed, with a trailing newline.
///
/// `rules` is every rule with its configured level, in registry order (results point into it by
/// `ruleIndex`). At most [`MAX_RESULTS`] results are written, the most important first chosen
/// (unsuppressed before suppressed, errors before warnings, then report order).
pub fn render(report: &Report, tool_version: &str, rules: &[RuleDescriptor<'_>]) -> String {
    let kept = most_important(&report.findings, MAX_RESULTS);
    let mut hashes = LineHashes::new(report);
    let results: Vec<SarifResult<'_>> = kept
        .iter()
        .map(|&i| result(&report.findings[i], rules, &mut hashes))
        .collect();

    let mut notifications: Vec<Notification> = report.errors.iter().map(file_error).collect();
    let left_out = report.findings.len() - kept.len();
    if left_out > 0 {
        notifications.push(Notification {
            level: "warning",
            message: OwnedText {
                text: format!(
                    "{left_out} of {} results were left out: the SARIF output holds at most \
                     {MAX_RESULTS}; run `auditlint check --format json` for all of them",
                    report.findings.len()
                ),
            },
            locations: Vec::new(),
        });
    }

    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: crate::TOOL_NAME,
                    version: tool_version,
                    semantic_version: tool_version,
                    information_uri: crate::HOMEPAGE,
                    rules: rules.iter().map(rule).collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: notifications,
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut out = serde_json::to_string_pretty(&log)
        .expect("the SARIF log holds only strings, integers and booleans");
    out.push('\n');
    out
}

/// The indices of the `limit` most important findings, in report order.
fn most_important(findings: &[Finding], limit: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..findings.len()).collect();
    if findings.len() > limit {
        order.sort_by_key(|&i| {
            let finding = &findings[i];
            (
                finding.suppressed.is_some(),
                std::cmp::Reverse(finding.severity),
                i,
            )
        });
        order.truncate(limit);
        order.sort_unstable();
    }
    order
}

fn rule<'a>(rule: &RuleDescriptor<'a>) -> Rule<'a> {
    let (enabled, level) = match rule.level {
        Level::Off => (false, "none"),
        Level::Warning => (true, "warning"),
        Level::Error => (true, "error"),
    };
    Rule {
        id: rule.id,
        name: pascal_case(rule.id),
        short_description: Text { text: rule.summary },
        full_description: Text {
            text: first_paragraph(rule.documentation).unwrap_or(rule.summary),
        },
        help_uri: crate::rule_help_uri(rule.id),
        help: Help {
            text: rule.documentation,
            markdown: rule.documentation,
        },
        default_configuration: Configuration { enabled, level },
        properties: RuleProperties { tags: RULE_TAGS },
    }
}

fn result<'a>(
    finding: &'a Finding,
    rules: &[RuleDescriptor<'_>],
    hashes: &mut LineHashes<'a>,
) -> SarifResult<'a> {
    SarifResult {
        rule_id: finding.rule,
        rule_index: rules.iter().position(|r| r.id == finding.rule),
        level: level(finding.severity),
        message: Text {
            text: &finding.message,
        },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: artifact(&finding.path),
                region: Some(Region {
                    start_line: finding.start.line,
                    start_column: finding.start.column,
                    end_line: finding.end.line,
                    end_column: finding.end.column,
                }),
            },
        }],
        related_locations: finding
            .labels
            .iter()
            .enumerate()
            .map(|(id, label)| related(id + 1, label))
            .collect(),
        partial_fingerprints: PartialFingerprints {
            primary_location_line_hash: hashes.get(&finding.path, finding.start.line),
            auditlint: &finding.fingerprint,
        },
        suppressions: finding
            .suppressed
            .iter()
            .map(|suppressed| Suppression {
                kind: "inSource",
                justification: &suppressed.reason,
            })
            .collect(),
    }
}

fn related(id: usize, label: &FindingLabel) -> RelatedLocation<'_> {
    RelatedLocation {
        id,
        physical_location: PhysicalLocation {
            artifact_location: artifact(&label.path),
            region: Some(Region {
                start_line: label.start.line,
                start_column: label.start.column,
                end_line: label.end.line,
                end_column: label.end.column,
            }),
        },
        message: Text {
            text: &label.message,
        },
    }
}

/// A file that could not be checked. Pseudo-paths such as `<config>` get no location.
fn file_error(error: &FileError) -> Notification {
    let has_location = !error.path.starts_with('<');
    Notification {
        level: "error",
        message: OwnedText {
            text: format!("{}: {}", error.path, error.message),
        },
        locations: if has_location {
            vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: artifact(&error.path),
                    region: None,
                },
            }]
        } else {
            Vec::new()
        },
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn artifact(path: &str) -> ArtifactLocation {
    ArtifactLocation {
        uri: relative_uri(path),
        uri_base_id: SRCROOT,
    }
}

/// A relative URI reference for a `/`-separated path: every byte outside RFC 3986's unreserved
/// set (and `/`) is percent-encoded.
fn relative_uri(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// `audit-error-swallowed` → `AuditErrorSwallowed`: SARIF's rule `name` is an identifier.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

/// The first paragraph after the document's `# title`: the rule's one-paragraph description.
fn first_paragraph(document: &str) -> Option<&str> {
    let body = document
        .trim_start()
        .strip_prefix('#')
        .and_then(|rest| rest.split_once('\n'))
        .map_or(document, |(_, body)| body)
        .trim_start();
    let paragraph = body.split("\n\n").next()?.trim();
    (!paragraph.is_empty() && !paragraph.starts_with('#')).then_some(paragraph)
}

/// GitHub's line hashes of the files findings point into, computed once per file.
struct LineHashes<'a> {
    sources: &'a std::collections::BTreeMap<String, String>,
    by_path: HashMap<&'a str, Vec<String>>,
}

impl<'a> LineHashes<'a> {
    fn new(report: &'a Report) -> Self {
        Self {
            sources: &report.sources,
            by_path: HashMap::new(),
        }
    }

    /// The hash of 1-based `line` in `path`, or `None` when the text is not in the report
    /// (then `upload-sarif` computes it from the checkout).
    fn get(&mut self, path: &str, line: u32) -> Option<String> {
        let (path, text) = self.sources.get_key_value(path)?;
        let hashes = self
            .by_path
            .entry(path.as_str())
            .or_insert_with(|| line_hashes(text));
        hashes
            .get(usize::try_from(line).ok()?.checked_sub(1)?)
            .cloned()
    }
}
