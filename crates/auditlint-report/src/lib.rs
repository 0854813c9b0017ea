//! Emitters for an auditlint [`Report`](auditlint_core::Report): one output format per module.
//!
//! Every emitter reads the finding's resolved severity and never mutates the report.

pub mod github;
pub mod human;
pub mod inventory;
pub mod json;
pub mod lsp;
pub mod sarif;
pub mod suppressions;
mod table;

/// The tool's name in every machine-readable format.
pub const TOOL_NAME: &str = "auditlint";

/// The project's home page: SARIF's `informationUri` and the base of the rule documents' links.
pub const HOMEPAGE: &str = env!("CARGO_PKG_REPOSITORY");

/// Where a rule's document (`rules/<id>.md`) is read on the web: SARIF `helpUri`, LSP
/// `codeDescription.href`, the GitHub step summary's links.
pub fn rule_help_uri(rule: &str) -> String {
    format!("{HOMEPAGE}/blob/main/rules/{rule}.md")
}
