//! auditlint's shared model: spans, language-neutral facts, the vocabulary and configuration,
//! module resolution, the cross-file index and diagnostics. No I/O.

pub mod baseline;
pub mod budget;
pub mod config;
pub mod diagnostic;
pub mod facts;
pub mod fix;
pub mod flags;
pub mod index;
pub mod inventory;
pub mod resolve;
pub mod span;
pub mod sql;
pub mod suppression;
pub mod tree;
pub mod vocab;

pub use config::{Config, ConfigError, Level};
pub use diagnostic::{
    Diagnostic, FileError, Finding, FindingLabel, Label, Report, Severity, SkipKind, SkippedFile,
    Summary, Suppressed,
};
pub use facts::FileFacts;
pub use index::{AuditSite, Index, Outcome, ProjectFile};
pub use span::{LineIndex, Position, Span};
pub use vocab::{SinkName, Vocabulary};
