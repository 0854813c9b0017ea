//! Emitters for an auditlint [`Report`](auditlint_core::Report): one output format per module.
//!
//! Every emitter reads the finding's resolved severity and never mutates the report.

pub mod human;
pub mod json;
