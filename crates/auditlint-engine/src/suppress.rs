//! Inline suppressions: parsed from a file's text (the same `//` comment in TypeScript,
//! JavaScript and Rust), validated, and matched against the findings in that file.
//!
//! ```text
//! // auditlint-ignore RULE[, RULE] [until=YYYY-MM-DD] -- reason
//! // auditlint-ignore-file RULE -- reason
//! ```
//!
//! Only files whose text contains `auditlint-ignore` are looked at (one substring search), and
//! the text is the one the engine already read: nothing is read again.

use std::collections::HashMap;

use auditlint_core::index::Index;
use auditlint_core::suppression::{
    Suppression, SuppressionProblem, SuppressionRecord, SuppressionScope,
};
use auditlint_core::{Finding, Span, Suppressed};

use crate::SourceTexts;

/// The literal every suppression contains.
pub const DIRECTIVE: &str = "auditlint-ignore";

/// Reasons that say nothing, compared with the whole reason, case-insensitively.
const PLACEHOLDERS: &[&str] = &["todo", "fixme", "tbd", "by design", "<reason>", "reason"];

/// What validation needs to know.
pub struct Policy<'a> {
    /// Rule ids that exist.
    pub known_rules: &'a [&'a str],
    /// Rule ids that exist but cannot be suppressed inline.
    pub unsuppressible: &'a [&'a str],
    pub min_reason_length: usize,
    /// Today's date, `YYYY-MM-DD` (UTC).
    pub today: &'a str,
}

/// The suppressions of every checked file that mentions the directive.
pub(crate) fn collect(
    index: &Index<'_>,
    texts: &SourceTexts<'_>,
    scopes: &[String],
    policy: &Policy<'_>,
) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (file, project_file) in index.files.iter().enumerate() {
        let file = u32::try_from(file).unwrap_or(u32::MAX);
        if crate::in_scope(&project_file.path, scopes) {
            let comment = auditlint_core::facts::Language::of_path(&project_file.path)
                .map_or("//", auditlint_core::facts::Language::line_comment);
            out.extend(parse_with(file, texts.text(file), comment, policy));
        }
    }
    out
}

/// Marks each finding a valid suppression covers (a line suppression before a file one) and
/// the suppression's rule as used; returns how many findings each suppression silenced.
pub(crate) fn silence(
    findings: &mut [Finding],
    suppressions: &mut [Suppression],
    index: &Index<'_>,
) -> Vec<usize> {
    let mut counts = vec![0; suppressions.len()];
    if suppressions.is_empty() {
        return counts;
    }
    // By path: the file-wide suppressions, and the line suppressions by their line — a finding
    // looks only at those that can cover it (its line, the line above, the file's), so N
    // findings against N suppressions in one file cost N lookups, not N².
    #[derive(Default)]
    struct InFile {
        file_wide: Vec<usize>,
        by_line: HashMap<u32, Vec<usize>>,
    }
    let mut by_path: HashMap<&str, InFile> = HashMap::new();
    for (i, s) in suppressions.iter().enumerate() {
        if let Some(file) = index.files.get(s.file as usize) {
            let in_file = by_path.entry(file.path.as_str()).or_default();
            match s.scope {
                auditlint_core::suppression::SuppressionScope::File => in_file.file_wide.push(i),
                auditlint_core::suppression::SuppressionScope::Line => {
                    in_file.by_line.entry(s.line).or_default().push(i);
                }
            }
        }
    }
    for finding in findings.iter_mut() {
        let Some(in_file) = by_path.get(finding.path.as_str()) else {
            continue;
        };
        let line = finding.start.line;
        let near = [Some(line), line.checked_sub(1)]
            .into_iter()
            .flatten()
            .filter_map(|l| in_file.by_line.get(&l))
            .flatten();
        let chosen = near
            .chain(&in_file.file_wide)
            .copied()
            .filter(|&i| suppressions[i].covers(finding.rule, line))
            .min_by_key(|&i| {
                (
                    suppressions[i].scope,
                    line.abs_diff(suppressions[i].line),
                    i,
                )
            });
        let Some(i) = chosen else { continue };
        let suppression = &mut suppressions[i];
        for (rule, used) in suppression.rules.iter().zip(suppression.used.iter_mut()) {
            if rule == finding.rule {
                *used = true;
            }
        }
        counts[i] += 1;
        finding.suppressed = Some(Suppressed {
            reason: suppression.reason.clone(),
            line: suppression.line,
        });
    }
    counts
}

/// The evidence-export view of the suppressions (project-relative paths).
pub(crate) fn records(
    suppressions: &[Suppression],
    counts: &[usize],
    index: &Index<'_>,
) -> Vec<SuppressionRecord> {
    let mut out: Vec<SuppressionRecord> = suppressions
        .iter()
        .zip(counts)
        .map(|(s, &count)| SuppressionRecord {
            path: index
                .files
                .get(s.file as usize)
                .map(|f| f.path.clone())
                .unwrap_or_default(),
            line: s.line,
            scope: s.scope,
            rules: s.rules.clone(),
            reason: s.reason.clone(),
            until: s.until.clone(),
            status: if s.is_valid() {
                "valid"
            } else if s
                .problems
                .iter()
                .any(|p| matches!(p, SuppressionProblem::Expired { .. }))
            {
                "expired"
            } else {
                "invalid"
            },
            matched: count > 0,
            findings: count,
            problems: s
                .problems
                .iter()
                .map(SuppressionProblem::describe)
                .collect(),
        })
        .collect();
    out.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    out
}

/// Every suppression comment in `text` (a `//`-comment language), validated (`used` all
/// false).
#[cfg(test)]
pub fn parse(file: u32, text: &str, policy: &Policy<'_>) -> Vec<Suppression> {
    parse_with(file, text, "//", policy)
}

/// Every suppression comment in `text` whose line comments start with `comment` (`//`, or `#`
/// in Python), validated (`used` all false).
pub fn parse_with(file: u32, text: &str, comment: &str, policy: &Policy<'_>) -> Vec<Suppression> {
    if !text.contains(DIRECTIVE) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut line_start = 0usize;
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        let start = line_start;
        line_start += line.len();
        if !line.contains(DIRECTIVE) {
            continue;
        }
        let Some((at, body)) = directive_comment(line, comment) else {
            continue;
        };
        let comment_end = line.trim_end().len();
        let span = Span::new(start + at, start + comment_end.max(at));
        let line = u32::try_from(line_no + 1).unwrap_or(u32::MAX);
        out.push(parse_directive(file, span, line, body, policy));
    }
    out
}

/// Finds `// auditlint-ignore…` (`# auditlint-ignore…` when `comment` is `#`) in a line: the
/// byte offset of the comment token and the text after it.
///
/// The token must start the line (after indentation) or follow whitespace, outside a string
/// literal, and the directive must be the first word of the comment, so prose that mentions it
/// is not a suppression.
fn directive_comment<'l>(line: &'l str, comment: &str) -> Option<(usize, &'l str)> {
    let bytes = line.as_bytes();
    // Quotes seen before the current `//`, counted once over the line (not per `//`).
    let mut quotes = [0usize; 3];
    let mut counted = 0;
    let mut from = 0;
    let width = comment.len();
    while let Some(found) = line[from..].find(comment) {
        let at = from + found;
        from = at + width;
        for &b in &bytes[counted..at] {
            match b {
                b'"' => quotes[0] += 1,
                b'\'' => quotes[1] += 1,
                b'`' => quotes[2] += 1,
                _ => {}
            }
        }
        counted = at;
        let before_ok = at == 0 || bytes[at - 1].is_ascii_whitespace();
        // Inside a string literal (an odd number of quotes before it) it is text, not a comment.
        let in_string = quotes.iter().any(|q| q % 2 == 1);
        let body = &line[at + width..];
        // `///` and `//!` are doc comments: not directives.
        let doc_comment = comment == "//" && body.starts_with(['/', '!']);
        if before_ok && !in_string && !doc_comment && body.trim_start().starts_with(DIRECTIVE) {
            return Some((at, body.trim_start().trim_end()));
        }
    }
    None
}

fn parse_directive(
    file: u32,
    span: Span,
    line: u32,
    body: &str,
    policy: &Policy<'_>,
) -> Suppression {
    let mut problems = Vec::new();
    let after = &body[DIRECTIVE.len()..];
    let (scope, after) = match after.strip_prefix("-file") {
        Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
            (SuppressionScope::File, rest)
        }
        _ if after.is_empty() || after.starts_with(char::is_whitespace) => {
            (SuppressionScope::Line, after)
        }
        _ => {
            let word = body.split_whitespace().next().unwrap_or(body);
            problems.push(SuppressionProblem::UnexpectedText {
                text: word.to_string(),
            });
            (
                SuppressionScope::Line,
                after.trim_start_matches(|c: char| !c.is_whitespace()),
            )
        }
    };
    let (head, reason) = match after.split_once("--") {
        Some((head, reason)) => (head, Some(reason.trim())),
        None => (after, None),
    };
    let mut rules = Vec::new();
    let mut until = None;
    for token in head.split([',', ' ', '\t']).filter(|t| !t.is_empty()) {
        if let Some(date) = token.strip_prefix("until=") {
            until = Some(date.to_string());
        } else if is_rule_like(token) {
            rules.push(token.to_string());
        } else {
            problems.push(SuppressionProblem::UnexpectedText {
                text: token.to_string(),
            });
        }
    }
    if rules.is_empty() {
        problems.push(SuppressionProblem::NoRule);
    }
    for rule in &rules {
        if policy.unsuppressible.contains(&rule.as_str()) {
            problems.push(SuppressionProblem::NotSuppressible { rule: rule.clone() });
        } else if !policy.known_rules.contains(&rule.as_str()) {
            problems.push(SuppressionProblem::UnknownRule {
                rule: rule.clone(),
                suggestion: closest(rule, policy.known_rules),
            });
        }
    }
    let reason = reason.unwrap_or_default().to_string();
    if let Some(problem) = reason_problem(&reason, policy.min_reason_length) {
        problems.push(problem);
    }
    if let Some(date) = &until {
        if !is_date(date) {
            problems.push(SuppressionProblem::BadDate { text: date.clone() });
        } else if date.as_str() < policy.today {
            problems.push(SuppressionProblem::Expired {
                until: date.clone(),
            });
        }
    }
    let used = vec![false; rules.len()];
    Suppression {
        file,
        span,
        line,
        scope,
        rules,
        until,
        reason,
        problems,
        used,
    }
}

/// The known rule within a few edits of `rule`, if exactly one is closest.
fn closest(rule: &str, known: &[&str]) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    let mut tie = false;
    for candidate in known {
        let distance = edit_distance(rule, candidate);
        match best {
            Some((d, _)) if distance == d => tie = true,
            Some((d, _)) if distance > d => {}
            _ => {
                best = Some((distance, candidate));
                tie = false;
            }
        }
    }
    let (distance, candidate) = best?;
    (!tie && distance <= 3).then(|| candidate.to_string())
}

/// Levenshtein distance over bytes (rule ids are ASCII), two rows, no recursion.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

fn is_rule_like(token: &str) -> bool {
    !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The reason a suppression quick fix writes when the editor cannot let the user type one (no
/// snippet support), or as a snippet's default: it says TODO, and it is valid for a minimum
/// reason length of `min` — inserting it never creates a `suppression-invalid` error.
pub fn todo_reason(min: usize) -> String {
    let mut reason = "TODO: say why this failure may stay silent here".to_string();
    while reason.chars().count() < min {
        reason.push_str(" (and who accepted it)");
    }
    reason
}

fn reason_problem(reason: &str, min: usize) -> Option<SuppressionProblem> {
    if reason.is_empty() {
        return Some(SuppressionProblem::NoReason);
    }
    let bare = reason
        .trim_end_matches(['.', '!', ':', ';'])
        .trim()
        .to_lowercase();
    if PLACEHOLDERS.contains(&bare.as_str()) {
        return Some(SuppressionProblem::PlaceholderReason);
    }
    (reason.chars().count() < min).then_some(SuppressionProblem::ShortReason { min })
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Today's date in UTC as `YYYY-MM-DD`; `AUDITLINT_TODAY` overrides it (for tests and
/// reproducible reports).
pub fn today() -> Result<String, String> {
    if let Some(value) = std::env::var_os("AUDITLINT_TODAY") {
        let value = value.to_string_lossy().into_owned();
        return if is_date(&value) {
            Ok(value)
        } else {
            Err(format!(
                "AUDITLINT_TODAY=`{value}` is not a date (expected YYYY-MM-DD)"
            ))
        };
    }
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Ok(civil_date(i64::try_from(seconds / 86_400).unwrap_or(0)))
}

/// Days since 1970-01-01 → `YYYY-MM-DD` (Howard Hinnant's `civil_from_days`).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy<'static> = Policy {
        known_rules: &["audit-error-swallowed", "audit-write-floating"],
        unsuppressible: &["suppression-unused"],
        min_reason_length: 10,
        today: "2026-06-01",
    };

    fn one(line: &str) -> Suppression {
        let mut all = parse(0, line, &POLICY);
        assert_eq!(all.len(), 1, "{line}");
        all.remove(0)
    }

    #[test]
    fn the_todo_reason_is_always_valid() {
        for min in [0, 1, 10, 47, 48, 49, 100, 1000] {
            let reason = todo_reason(min);
            assert!(reason.starts_with("TODO"), "{reason}");
            assert_eq!(reason_problem(&reason, min), None, "min {min}: {reason}");
            let line = format!("// auditlint-ignore audit-error-swallowed -- {reason}");
            let policy = Policy {
                min_reason_length: min,
                ..POLICY
            };
            let parsed = parse(0, &line, &policy);
            assert!(
                parsed.len() == 1 && parsed[0].problems.is_empty() && parsed[0].reason == reason,
                "{line}: {parsed:?}"
            );
        }
    }

    #[test]
    fn parses_rules_until_and_reason() {
        let s = one(
            "  } catch {} // auditlint-ignore audit-error-swallowed,audit-write-floating until=2026-06-01 -- replayed nightly by the job\n",
        );
        assert_eq!(s.rules, ["audit-error-swallowed", "audit-write-floating"]);
        assert_eq!(s.until.as_deref(), Some("2026-06-01"));
        assert_eq!(s.reason, "replayed nightly by the job");
        assert_eq!(s.scope, SuppressionScope::Line);
        assert!(s.is_valid(), "{:?}", s.problems);
        assert_eq!(s.line, 1);
        assert_eq!(
            &"  } catch {} // auditlint-ignore"[s.span.start as usize..],
            "// auditlint-ignore"
        );
        let s = one("// auditlint-ignore-file audit-write-floating -- fire and forget by contract");
        assert_eq!(s.scope, SuppressionScope::File);
        assert!(s.is_valid());
    }

    #[test]
    fn reports_what_is_wrong() {
        let problems = |line: &str| one(line).problems;
        assert_eq!(
            problems("// auditlint-ignore audit-error-swallowed"),
            [SuppressionProblem::NoReason]
        );
        assert_eq!(
            problems("// auditlint-ignore audit-error-swallowed -- TODO."),
            [SuppressionProblem::PlaceholderReason]
        );
        assert_eq!(
            problems("// auditlint-ignore audit-error-swallowed -- By Design"),
            [SuppressionProblem::PlaceholderReason]
        );
        assert_eq!(
            problems("// auditlint-ignore audit-error-swallowed -- retried"),
            [SuppressionProblem::ShortReason { min: 10 }]
        );
        assert_eq!(
            problems("// auditlint-ignore no-such-rule -- a perfectly fine reason"),
            [SuppressionProblem::UnknownRule {
                rule: "no-such-rule".into(),
                suggestion: None,
            }]
        );
        assert_eq!(
            problems("// auditlint-ignore -- a perfectly fine reason"),
            [SuppressionProblem::NoRule]
        );
        assert_eq!(
            problems("// auditlint-ignore suppression-unused -- a perfectly fine reason"),
            [SuppressionProblem::NotSuppressible {
                rule: "suppression-unused".into()
            }]
        );
        assert_eq!(
            problems(
                "// auditlint-ignore audit-error-swallowed until=2026-05-31 -- a perfectly fine reason"
            ),
            [SuppressionProblem::Expired {
                until: "2026-05-31".into()
            }]
        );
        assert_eq!(
            problems(
                "// auditlint-ignore audit-error-swallowed until=2026-02-30 -- a perfectly fine reason"
            ),
            [SuppressionProblem::BadDate {
                text: "2026-02-30".into()
            }]
        );
        assert_eq!(
            problems("// auditlint-ignore Audit-Error -- a perfectly fine reason")[0],
            SuppressionProblem::UnexpectedText {
                text: "Audit-Error".into()
            }
        );
    }

    #[test]
    fn suggests_the_rule_a_typo_meant() {
        assert_eq!(
            one("// auditlint-ignore audit-error-swalowed -- a perfectly fine reason").problems,
            [SuppressionProblem::UnknownRule {
                rule: "audit-error-swalowed".into(),
                suggestion: Some("audit-error-swallowed".into()),
            }]
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn ignores_what_is_not_a_directive() {
        for text in [
            "const s = \"x\"; // see the auditlint-ignore docs",
            "/// auditlint-ignore audit-error-swallowed -- doc comment, not a directive",
            "const url = \"http://auditlint-ignore\";",
            "const help = \"write // auditlint-ignore RULE -- reason\";",
            "no comment here",
        ] {
            assert!(parse(0, text, &POLICY).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_long_line_full_of_slashes_is_linear() {
        // A minified bundle: 200,000 `//` before the directive; counting quotes again for each
        // would take minutes.
        let line = format!(
            "{}// auditlint-ignore audit-error-swallowed -- vendored bundle, checked upstream",
            "a//b ".repeat(200_000)
        );
        let found = parse(0, &line, &POLICY);
        assert_eq!(found.len(), 1);
        assert!(found[0].is_valid());
    }

    #[test]
    fn covers_its_line_and_the_next() {
        let s = one("// auditlint-ignore audit-error-swallowed -- replayed by the nightly job");
        assert!(s.covers("audit-error-swallowed", 1));
        assert!(s.covers("audit-error-swallowed", 2));
        assert!(!s.covers("audit-error-swallowed", 3));
        assert!(!s.covers("audit-write-floating", 2));
    }

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_454), "2026-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2023-13-01"));
        assert!(!is_date("2023-1-01"));
        assert!(!is_date("２０２３-01-01"));
    }
}
