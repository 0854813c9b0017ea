mod audit_error_swallowed;
mod audit_flag_discarded;
mod audit_result_unchecked;
mod audit_write_floating;

pub use audit_error_swallowed::AuditErrorSwallowed;
pub use audit_flag_discarded::AuditFlagDiscarded;
pub use audit_result_unchecked::AuditResultUnchecked;
pub use audit_write_floating::AuditWriteFloating;
