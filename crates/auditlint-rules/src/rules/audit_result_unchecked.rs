//! An audit write reports failure as a value (`{ data, error }`, a `Response`) and nothing reads it.

use auditlint_core::Diagnostic;
use auditlint_core::facts::{SinkSyntax, ValueCheck};

use crate::{Rule, RuleContext, sink_phrase};

pub struct AuditResultUnchecked;

impl Rule for AuditResultUnchecked {
    fn id(&self) -> &'static str {
        "audit-result-unchecked"
    }

    fn summary(&self) -> &'static str {
        "an audit write reports failure as a value and nothing reads it"
    }

    fn documentation(&self) -> &'static str {
        include_str!("../../../../rules/audit-result-unchecked.md")
    }

    fn check(&self, ctx: &mut RuleContext<'_, '_>) {
        for site in ctx.sites() {
            let op = ctx.op(site);
            let Some(ValueCheck::Unread { span }) = op.value_check else {
                continue;
            };
            let what = match op.sink {
                Some(SinkSyntax::HttpRequest { .. }) if ctx.is_python(site.file) => {
                    "its response's status (`raise_for_status()`/`status_code`)"
                }
                Some(SinkSyntax::HttpRequest { .. }) => "its `Response` status (`ok`/`status`)",
                _ => "its `error`",
            };
            let diagnostic = Diagnostic {
                rule: self.id(),
                file: site.file,
                span,
                message: format!(
                    "audit write to {} reports failure as a value, and nothing reads {what}",
                    sink_phrase(ctx, site)
                ),
                help: if ctx.is_go(site.file) {
                    "read its `Error`: `if err := db.Create(&row).Error; err != nil { slog.Warn(\"audit_log_insert_failed\", \"error\", err) }` \
                     and return `AuditLogged: false`"
                    .to_string()
                } else if ctx.is_python(site.file) {
                    "check the status: `resp.raise_for_status()` inside a `try` whose `except` logs \
                     `logger.warning(\"audit_log_insert_failed\", exc_info=True)`, or read `resp.status_code`, \
                     and return `audit_logged: False`; an `except` around the call alone only sees transport errors"
                        .to_string()
                } else if ctx.is_rust(site.file) {
                    "check the status: `resp.error_for_status()?` (or `if !resp.status().is_success() { tracing::warn!(..) }`) \
                     and return `audit_logged: false`; `?` on `send()` alone only sees transport errors"
                        .to_string()
                } else {
                    "destructure and check it: `const { error } = await …; if (error) { \
                       logger.warn({ event: \"audit_log_insert_failed\", route, operation, ids, error }); }` \
                       and return `audit_logged: false`; a `try`/`catch` around the call does not see it"
                    .to_string()
                },
                labels: ctx.write_labels(site),
                subject: site.sink.name().to_string(),
                function: ctx.enclosing_name(site.file, site.op),
                fix: None,
            };
            ctx.report(diagnostic);
        }
    }
}
