//! Inline suppressions as plain data: what the engine parsed from a file's comments, what is
//! wrong with each, and what it matched. The engine parses and matches; the rules
//! `suppression-invalid` and `suppression-unused` only read this and report.

use serde::Serialize;

use crate::span::Span;

/// `auditlint-ignore` (this line or the next) or `auditlint-ignore-file` (the whole file).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionScope {
    /// The comment's own line and the line below it.
    Line,
    /// Every line of the file.
    File,
}

impl SuppressionScope {
    /// The directive as written.
    pub fn directive(self) -> &'static str {
        match self {
            SuppressionScope::Line => "auditlint-ignore",
            SuppressionScope::File => "auditlint-ignore-file",
        }
    }
}

/// Why a suppression does not suppress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SuppressionProblem {
    /// No rule id after the directive.
    NoRule,
    /// A rule id that is not a rule, with the closest one that is (a typo's likely fix).
    UnknownRule {
        rule: String,
        suggestion: Option<String>,
    },
    /// A rule that cannot be suppressed inline (the suppression rules themselves).
    NotSuppressible { rule: String },
    /// No `-- reason`.
    NoReason,
    /// A reason shorter than the configured minimum.
    ShortReason { min: usize },
    /// A reason that is only a placeholder (`todo`, `by design` …).
    PlaceholderReason,
    /// `until=` that is not a `YYYY-MM-DD` date.
    BadDate { text: String },
    /// `until=` in the past: it stopped suppressing on that date.
    Expired { until: String },
    /// Text between the rules and `--` that is not `until=…`.
    UnexpectedText { text: String },
}

/// One `// auditlint-ignore …` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The file's id in the index.
    pub file: u32,
    /// The comment, from `//` to the end of its line (trailing spaces excluded).
    pub span: Span,
    /// 1-based line of the comment.
    pub line: u32,
    pub scope: SuppressionScope,
    /// The rule ids, as written.
    pub rules: Vec<String>,
    /// `until=YYYY-MM-DD`, as written.
    pub until: Option<String>,
    /// The text after `--`, trimmed (empty when there is none).
    pub reason: String,
    /// Empty for a valid suppression; an invalid one suppresses nothing.
    pub problems: Vec<SuppressionProblem>,
    /// For each of `rules`: did it silence at least one finding?
    pub used: Vec<bool>,
}

impl Suppression {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// The rules of a valid suppression that silenced nothing.
    pub fn unused_rules(&self) -> Vec<&str> {
        if !self.is_valid() {
            return Vec::new();
        }
        self.rules
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|(rule, _)| rule.as_str())
            .collect()
    }

    /// Does this (valid) suppression cover a finding of `rule` starting on 1-based `line`?
    pub fn covers(&self, rule: &str, line: u32) -> bool {
        self.is_valid()
            && self.rules.iter().any(|r| r == rule)
            && match self.scope {
                SuppressionScope::File => true,
                SuppressionScope::Line => line == self.line || line == self.line + 1,
            }
    }
}

/// A suppression for evidence exports (`auditlint suppressions`): located by path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SuppressionRecord {
    /// Relative to the current directory, with `/`.
    pub path: String,
    pub line: u32,
    pub scope: SuppressionScope,
    pub rules: Vec<String>,
    pub reason: String,
    pub until: Option<String>,
    /// `valid`, `invalid` or `expired`.
    #[serde(deserialize_with = "crate::diagnostic::interned")]
    pub status: crate::diagnostic::StaticText,
    /// Did it silence at least one finding?
    pub matched: bool,
    /// How many findings it silenced.
    pub findings: usize,
    /// What is wrong with it, as sentences (empty when valid).
    pub problems: Vec<String>,
}

impl SuppressionProblem {
    /// A short description, without the suppression's position: `the reason is a placeholder`.
    pub fn describe(&self) -> String {
        match self {
            SuppressionProblem::NoRule => "it names no rule".into(),
            SuppressionProblem::UnknownRule { rule, suggestion } => match suggestion {
                Some(known) => format!("`{rule}` is not a rule (did you mean `{known}`?)"),
                None => format!("`{rule}` is not a rule"),
            },
            SuppressionProblem::NotSuppressible { rule } => {
                format!("`{rule}` cannot be suppressed inline (set its level in `auditlint.toml`)")
            }
            SuppressionProblem::NoReason => "it gives no reason after `--`".into(),
            SuppressionProblem::ShortReason { min } => {
                format!("its reason is shorter than {min} characters")
            }
            SuppressionProblem::PlaceholderReason => "its reason is a placeholder".into(),
            SuppressionProblem::BadDate { text } => {
                format!("`until={text}` is not a date (`until=YYYY-MM-DD`)")
            }
            SuppressionProblem::Expired { until } => format!("it expired on {until}"),
            SuppressionProblem::UnexpectedText { text } => format!(
                "`{text}` is neither a rule nor `until=YYYY-MM-DD` (put the reason after `--`)"
            ),
        }
    }
}
