mod audit_error_swallowed;
mod audit_flag_discarded;
mod audit_result_unchecked;
mod audit_write_floating;
mod suppression_invalid;
mod suppression_unused;

pub use audit_error_swallowed::AuditErrorSwallowed;
pub use audit_flag_discarded::AuditFlagDiscarded;
pub use audit_result_unchecked::AuditResultUnchecked;
pub use audit_write_floating::AuditWriteFloating;
pub use suppression_invalid::SuppressionInvalid;
pub use suppression_unused::SuppressionUnused;
