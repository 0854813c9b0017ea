//! An audit write's promise is neither awaited, returned, stored, nor given a rejection handler.

use auditlint_core::Diagnostic;
use auditlint_core::facts::DropKind;
use auditlint_core::index::Outcome;

use crate::{Rule, RuleContext, group_by_span};

pub struct AuditWriteFloating;

impl Rule for AuditWriteFloating {
    fn id(&self) -> &'static str {
        "audit-write-floating"
    }

    fn summary(&self) -> &'static str {
        "an audit write's promise is neither awaited, returned, stored, nor given a surfacing rejection handler"
    }

    fn documentation(&self) -> &'static str {
        include_str!("../../../../rules/audit-write-floating.md")
    }

    fn check(&self, ctx: &mut RuleContext<'_, '_>) {
        let floating = ctx.sites().iter().filter_map(|site| match &site.outcome {
            Outcome::Floating { span, .. } => Some((site, *span)),
            _ => None,
        });
        // One finding per dropped promise or task, however many writes it carries.
        for (span, sites) in group_by_span(floating) {
            let site = sites[0];
            let Outcome::Floating { how, .. } = &site.outcome else {
                continue;
            };
            let python = ctx.is_python(site.file);
            let go = ctx.is_go(site.file);
            let why = match how {
                DropKind::Statement if python => {
                    "its coroutine is never awaited: without `await` it does not even run"
                }
                DropKind::Spawn if go => {
                    "`go` runs it in a goroutine whose returned error nobody receives"
                }
                DropKind::Spawn if python => {
                    "the task `create_task` returns is neither kept nor awaited, so its exception goes nowhere"
                }
                DropKind::Statement => {
                    "its promise is neither awaited, returned nor given a rejection handler"
                }
                DropKind::Void => "`void` discards its promise and any rejection with it",
                DropKind::WaitUntil => {
                    "`waitUntil` keeps it running, but nothing sees its rejection"
                }
                DropKind::Scheduled => {
                    "it runs in a scheduled callback (`setImmediate`, `setTimeout`, `queueMicrotask`, `process.nextTick`) whose promise nothing awaits"
                }
                DropKind::ForEach => "`forEach` discards the promises its callback returns",
                DropKind::Spawn => {
                    "the spawned task's `JoinHandle` is dropped, so the task's `Err` goes nowhere"
                }
            };
            let diagnostic = Diagnostic {
                rule: self.id(),
                file: site.file,
                span,
                message: format!("audit write to {} floats: {why}", ctx.group_phrase(&sites)),
                help: if go {
                    "call it in a goroutine that handles the error: `go func() { if err := …; err != nil { \
                     slog.Warn(\"audit_log_insert_failed\", \"error\", err) } }()`, or collect it \
                     (`errgroup.Group.Go`, an error channel) and read it"
                        .to_string()
                } else if ctx.is_python(site.file) {
                    "`await` it (inside a `try` whose `except` reports the failure), or keep the task and \
                     add a done callback that logs its exception at warning level; over many items use \
                     `await asyncio.gather(..)`"
                        .to_string()
                } else if ctx.is_rust(site.file) {
                    "await the `JoinHandle` (`handle.await??`), or handle the error inside the task: \
                     `if let Err(e) = … { tracing::error!(event = \"audit_log_insert_failed\", error = %e); }`"
                        .to_string()
                } else {
                    "`await` it (inside a `try` whose `catch` reports the failure), or chain \
                       `.catch(err => logger.warn({ event: \"audit_log_insert_failed\", error: err }))`; \
                       over many items use `for … of` with `await` or `Promise.all`"
                    .to_string()
                },
                labels: ctx.group_labels(&sites),
                subject: site.sink.name().to_string(),
                function: ctx.enclosing_name(site.file, site.op),
                fix: None,
            };
            ctx.report(diagnostic);
        }
    }
}
