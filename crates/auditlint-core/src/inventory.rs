//! The audit-coverage inventory: every audit write in the checked files and how its failure is
//! handled, every audit-flag producer and whether its callers read the flag. Plain data for
//! the `inventory` emitters; the engine fills it from the index and the findings.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diagnostic::Suppressed;

/// How an audit write's failure is handled, as an auditor reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Handling {
    /// The error leaves the function: its caller (or the framework) sees it.
    Propagated,
    /// A warn/error-level log or an error tracker reports it.
    Surfaced,
    /// A returned flag (`audit_logged: false`) records it.
    Recorded,
    /// The error is returned as a value the caller must read.
    ReturnedError,
    /// A failure value (`{ error }`, a `Response`) is read.
    Checked,
    /// A handler auditlint cannot see into (a library function) receives it.
    Delegated,
    /// The promise is stored or handed to other code: handled elsewhere.
    PassedOn,
    /// A handler drops it.
    Swallowed,
    /// Nobody awaits the promise or handles its rejection.
    Floating,
    /// A failure value nobody reads.
    Unchecked,
    /// The finding about it is silenced by an inline suppression.
    Suppressed,
}

impl Handling {
    pub fn as_str(self) -> &'static str {
        match self {
            Handling::Propagated => "propagated",
            Handling::Surfaced => "surfaced",
            Handling::Recorded => "recorded",
            Handling::ReturnedError => "returned-error",
            Handling::Checked => "checked",
            Handling::Delegated => "delegated",
            Handling::PassedOn => "passed-on",
            Handling::Swallowed => "swallowed",
            Handling::Floating => "floating",
            Handling::Unchecked => "unchecked",
            Handling::Suppressed => "suppressed",
        }
    }

    /// Does this leave a gap an auditor must hear about?
    pub fn is_gap(self) -> bool {
        matches!(
            self,
            Handling::Swallowed | Handling::Floating | Handling::Unchecked | Handling::Suppressed
        )
    }
}

/// One audit write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventorySite {
    /// Relative to the current directory, with `/`.
    pub path: String,
    pub line: u32,
    pub column: u32,
    /// The enclosing function (`Class.method`), if named.
    pub function: Option<String>,
    /// `table`, `function` or `url`.
    pub sink_kind: &'static str,
    /// The table, function or URL written to.
    pub sink: String,
    /// The project function called, for a write through a wrapper.
    pub via: Option<String>,
    pub handling: Handling,
    /// How, in words: "via `console.warn`", "in flag `audit_logged`", the swallow's reason.
    pub detail: String,
    /// The rule that fired on it, if any (also when suppressed).
    pub rule: Option<String>,
    pub fingerprint: Option<String>,
    pub suppressed: Option<Suppressed>,
}

/// A call of a flag producer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagCaller {
    pub path: String,
    pub line: u32,
    pub function: Option<String>,
    /// Does the caller read the flag (or pass the result on whole)?
    pub reads_flag: bool,
    pub rule: Option<String>,
    pub suppressed: Option<Suppressed>,
}

/// A function whose result carries an audit flag (or an audit write's error as a value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagProducer {
    pub path: String,
    pub line: u32,
    pub function: String,
    /// The flag's name, or `failure value`.
    pub flag: String,
    pub callers: Vec<FlagCaller>,
}

/// The whole inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Inventory {
    /// `YYYY-MM-DD` (UTC, or `AUDITLINT_TODAY`).
    pub date: String,
    /// `git rev-parse HEAD` of the project, when it is a git checkout.
    pub commit: Option<String>,
    /// Sorted by path, line, column.
    pub sites: Vec<InventorySite>,
    /// Sorted by path, line.
    pub flag_producers: Vec<FlagProducer>,
    /// Sites per handling (every handling present, zeros included).
    pub totals: BTreeMap<&'static str, usize>,
    /// Flag callers that read the flag, and that drop it.
    pub flag_callers_reading: usize,
    pub flag_callers_dropping: usize,
}

impl Inventory {
    /// The handlings in report order.
    pub const HANDLINGS: [Handling; 11] = [
        Handling::Propagated,
        Handling::Surfaced,
        Handling::Recorded,
        Handling::ReturnedError,
        Handling::Checked,
        Handling::Delegated,
        Handling::PassedOn,
        Handling::Swallowed,
        Handling::Floating,
        Handling::Unchecked,
        Handling::Suppressed,
    ];

    /// Fills `totals` and the caller counts from the lists.
    pub fn count(&mut self) {
        self.totals = Self::HANDLINGS.iter().map(|h| (h.as_str(), 0)).collect();
        for site in &self.sites {
            *self.totals.entry(site.handling.as_str()).or_default() += 1;
        }
        let callers = self.flag_producers.iter().flat_map(|p| &p.callers);
        let (reading, dropping): (Vec<_>, Vec<_>) = callers.partition(|c| c.reads_flag);
        self.flag_callers_reading = reading.len();
        self.flag_callers_dropping = dropping.len();
    }
}
