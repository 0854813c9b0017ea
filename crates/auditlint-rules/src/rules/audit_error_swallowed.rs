//! An audit write's error reaches a handler that neither propagates, surfaces nor records it.

use auditlint_core::Diagnostic;
use auditlint_core::Span;
use auditlint_core::facts::GuardStep;
use auditlint_core::fix::{self, SurfacePlan};
use auditlint_core::index::{AuditSite, Outcome};

use crate::{Rule, RuleContext, group_by_span};

pub struct AuditErrorSwallowed;

impl Rule for AuditErrorSwallowed {
    fn id(&self) -> &'static str {
        "audit-error-swallowed"
    }

    fn summary(&self) -> &'static str {
        "an audit write's error reaches a handler that neither propagates, surfaces nor records it"
    }

    fn documentation(&self) -> &'static str {
        include_str!("../../../../rules/audit-error-swallowed.md")
    }

    fn check(&self, ctx: &mut RuleContext<'_, '_>) {
        // Supabase-style clients report failure as a value, not a rejection: a handler
        // around them sees nothing (`audit-result-unchecked` covers the value), unless the
        // code throws the value it read into that handler (`if (error) throw error`).
        let swallowed = ctx.sites().iter().filter_map(|site| {
            let Outcome::Swallowed { handler, .. } = &site.outcome else {
                return None;
            };
            (!ctx.op(site).fails_only_as_value()).then_some((site, *handler))
        });
        // One finding per handler, however many writes it swallows.
        for (handler, sites) in group_by_span(swallowed) {
            let site = sites[0];
            let Outcome::Swallowed { reason, .. } = &site.outcome else {
                continue;
            };
            let diagnostic = Diagnostic {
                rule: self.id(),
                file: site.file,
                span: handler,
                message: format!(
                    "the error of an audit write to {} is swallowed: {reason}",
                    ctx.group_phrase(&sites)
                ),
                help: if ctx.is_go(site.file) {
                    "return it (`return fmt.Errorf(\"audit insert: %w\", err)`), or keep the request fail-open but surface the failure: \
                     `slog.Warn(\"audit_log_insert_failed\", \"route\", route, \"error\", err)` \
                     and return `AuditLogged: false` so callers can count the gap"
                    .to_string()
                } else if ctx.is_python(site.file) {
                    "re-raise it (`raise`), or keep the request fail-open but surface the failure: \
                     `logger.warning(\"audit_log_insert_failed\", extra={..route, operation, ids..}, exc_info=True)` \
                     and return `audit_logged: False` so callers can count the gap"
                        .to_string()
                } else if ctx.is_rust(site.file) {
                    "propagate it with `?`, or keep the request fail-open but surface the failure: \
                     `if let Err(e) = … { tracing::warn!(event = \"audit_log_insert_failed\", error = %e); }` \
                     and return `audit_logged: false` so callers can count the gap"
                        .to_string()
                } else {
                    "rethrow it, or keep the request fail-open but surface the failure: \
                       `logger.warn({ event: \"audit_log_insert_failed\", route, operation, ids, error })` \
                       and return `audit_logged: false` so callers can count the gap"
                    .to_string()
                },
                labels: ctx.group_labels(&sites),
                subject: site.sink.name().to_string(),
                function: ctx.enclosing_name(site.file, site.op),
                fix: surface_plan(ctx, site, handler),
            };
            ctx.report(diagnostic);
        }
    }
}

/// "Surface the failure": a warn-level log of the error in the handler at `handler`, when its
/// front end recorded where code can go (see `auditlint_core::fix`).
fn surface_plan(ctx: &RuleContext<'_, '_>, site: &AuditSite, handler: Span) -> Option<SurfacePlan> {
    // The fixes write TypeScript or Rust: a Python handler gets none (its front end records no
    // handler site either).
    if ctx.is_python(site.file) {
        return None;
    }
    let facts = &ctx.index.files.get(site.file as usize)?.facts;
    let handler_site = facts
        .ops
        .iter()
        .flat_map(|op| &op.guard)
        .find_map(|step| match step {
            GuardStep::Handler(h) if h.span == handler => h.site.as_ref(),
            _ => None,
        })?;
    let logger = fix::choose_logger(facts, handler_site, ctx.index.vocab, ctx.is_rust(site.file));
    Some(SurfacePlan {
        site: handler_site.clone(),
        logger,
        event: fix::event_name(&site.sink),
    })
}
