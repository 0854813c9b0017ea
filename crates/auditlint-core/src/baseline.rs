//! The baseline file: the fingerprints of the findings a code base had when it adopted
//! auditlint. `check --baseline` reports only findings whose fingerprint is not in it.
//!
//! The file is JSON, pretty-printed, entries sorted by path, rule and fingerprint, so it diffs
//! well and the same findings always give the same bytes. No I/O here: the engine reads and
//! writes it (atomically).

use serde::{Deserialize, Serialize};

/// The format version written in `version`.
pub const BASELINE_VERSION: u32 = 1;

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// Project-relative path (informational: matching uses the fingerprint alone).
    pub path: String,
    pub rule: String,
    pub fingerprint: String,
    /// The message when it was recorded, for a reader of the file.
    pub message: String,
}

/// A whole baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

/// Why a baseline file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaselineError {
    #[error("not a baseline file: {message}")]
    Syntax { message: String },
    #[error(
        "baseline version {found} is not supported (this auditlint writes version {BASELINE_VERSION})"
    )]
    Version { found: u32 },
}

impl Baseline {
    /// A baseline of these entries, sorted and without duplicates.
    pub fn new(mut findings: Vec<BaselineEntry>) -> Self {
        findings.sort();
        findings.dedup();
        Self {
            version: BASELINE_VERSION,
            findings,
        }
    }

    /// Parses a baseline file's text.
    pub fn parse(text: &str) -> Result<Self, BaselineError> {
        let baseline: Baseline =
            serde_json::from_str(text).map_err(|err| BaselineError::Syntax {
                message: err.to_string(),
            })?;
        if baseline.version != BASELINE_VERSION {
            return Err(BaselineError::Version {
                found: baseline.version,
            });
        }
        Ok(Baseline::new(baseline.findings))
    }

    /// The file's text: pretty JSON with a trailing newline.
    pub fn render(&self) -> String {
        let sorted = Baseline::new(self.findings.clone());
        // A struct of strings and integers always serialises.
        let mut text = serde_json::to_string_pretty(&sorted)
            .expect("a baseline holds only strings and integers");
        text.push('\n');
        text
    }

    pub fn contains(&self, fingerprint: &str) -> bool {
        self.findings.iter().any(|e| e.fingerprint == fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, fingerprint: &str) -> BaselineEntry {
        BaselineEntry {
            path: path.into(),
            rule: "audit-error-swallowed".into(),
            fingerprint: fingerprint.into(),
            message: "m".into(),
        }
    }

    #[test]
    fn renders_sorted_and_parses_back() {
        let baseline = Baseline::new(vec![entry("b.ts", "2"), entry("a.ts", "1")]);
        let text = baseline.render();
        assert!(text.find("a.ts").unwrap() < text.find("b.ts").unwrap());
        assert_eq!(Baseline::parse(&text).unwrap(), baseline);
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn rejects_corrupt_and_foreign_files() {
        assert!(matches!(
            Baseline::parse("{\"version\": 1, \"findings\": ["),
            Err(BaselineError::Syntax { .. })
        ));
        assert!(matches!(
            Baseline::parse("{\"version\": 7, \"findings\": []}"),
            Err(BaselineError::Version { found: 7 })
        ));
        assert!(Baseline::parse("").is_err());
        assert!(Baseline::parse("[]").is_err());
    }
}
