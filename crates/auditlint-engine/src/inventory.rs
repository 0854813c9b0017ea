//! Builds the audit-coverage inventory from the index and the run's findings.

use std::collections::HashMap;

use auditlint_core::Finding;
use auditlint_core::facts::ValueCheck;
use auditlint_core::flags::Produces;
use auditlint_core::index::{FnRef, Handling as IndexHandling, Index, Outcome};
use auditlint_core::inventory::{FlagCaller, FlagProducer, Handling, Inventory, InventorySite};
use auditlint_core::vocab::SinkName;

use crate::SourceTexts;

/// Every audit write and flag producer in the checked files. `findings` are the run's
/// (project-relative paths, suppressions applied).
pub(crate) fn build(
    index: &Index<'_>,
    texts: &SourceTexts<'_>,
    findings: &[Finding],
    scopes: &[String],
    date: String,
    commit: Option<String>,
) -> Inventory {
    let by_span: HashMap<(&str, u32, u32), Vec<&Finding>> =
        findings.iter().fold(HashMap::new(), |mut map, f| {
            map.entry((f.path.as_str(), f.span.start, f.span.end))
                .or_default()
                .push(f);
            map
        });
    let finding_at = |file: u32, span: auditlint_core::Span, rule: &str| {
        let path = index.files[file as usize].path.as_str();
        by_span
            .get(&(path, span.start, span.end))
            .and_then(|found| found.iter().find(|f| f.rule == rule).copied())
    };
    let name_of = |f: FnRef| function_name(index, f);
    let mut sites = Vec::new();
    for site in &index.sites {
        let file = &index.files[site.file as usize];
        if !crate::in_scope(&file.path, scopes) {
            continue;
        }
        let op = &file.facts.ops[site.op as usize];
        let (mut handling, detail, fired) = classify(site, op, index);
        let finding = fired.and_then(|(rule, span)| finding_at(site.file, span, rule));
        let suppressed = finding.and_then(|f| f.suppressed.clone());
        let detail = match &suppressed {
            Some(s) => {
                handling = Handling::Suppressed;
                format!("{detail}; suppressed: {}", s.reason)
            }
            None => detail,
        };
        let position = texts.position(site.file, op.span.start);
        let (sink_kind, sink) = match &site.sink {
            SinkName::Table(t) => ("table", t.clone()),
            SinkName::Function(f) => ("function", f.clone()),
            SinkName::Url(u) => ("url", u.clone()),
        };
        sites.push(InventorySite {
            path: file.path.clone(),
            line: position.line,
            column: position.column,
            function: op.enclosing.and_then(|func| {
                name_of(FnRef {
                    file: site.file,
                    func,
                })
            }),
            sink_kind,
            sink,
            via: site.via.and_then(name_of),
            handling,
            detail,
            rule: finding.map(|f| f.rule.to_string()),
            fingerprint: finding.map(|f| f.fingerprint.clone()),
            suppressed,
        });
    }
    sites.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    sites.dedup();

    let mut producers: Vec<FlagProducer> = Vec::new();
    let mut producer_refs: Vec<(&FnRef, &auditlint_core::flags::Producer)> =
        index.producers.iter().collect();
    producer_refs.sort_by_key(|(f, _)| **f);
    for (&fn_ref, producer) in producer_refs {
        let callers: Vec<FlagCaller> = index
            .flag_sites
            .iter()
            .filter(|s| s.producer == fn_ref)
            .filter(|s| crate::in_scope(&index.files[s.file as usize].path, scopes))
            .map(|s| {
                let op = &index.files[s.file as usize].facts.ops[s.op as usize];
                let finding = finding_at(s.file, op.result.span, "audit-flag-discarded");
                FlagCaller {
                    path: index.files[s.file as usize].path.clone(),
                    line: texts.position(s.file, op.span.start).line,
                    function: op
                        .enclosing
                        .and_then(|func| name_of(FnRef { file: s.file, func })),
                    reads_flag: s.observed,
                    rule: finding.map(|f| f.rule.to_string()),
                    suppressed: finding.and_then(|f| f.suppressed.clone()),
                }
            })
            .collect();
        let path = &index.files[fn_ref.file as usize].path;
        if callers.is_empty() && !crate::in_scope(path, scopes) {
            continue;
        }
        let function = &index.files[fn_ref.file as usize].facts.functions[fn_ref.func as usize];
        let mut callers = callers;
        callers.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        producers.push(FlagProducer {
            path: path.clone(),
            line: texts.position(fn_ref.file, function.span.start).line,
            function: name_of(fn_ref).unwrap_or_else(|| "<anonymous>".into()),
            flag: match &producer.produces {
                Produces::Flag(flag) => flag.clone(),
                Produces::FailureValue => "failure value".into(),
            },
            callers,
        });
    }
    producers.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    let mut inventory = Inventory {
        date,
        commit,
        sites,
        flag_producers: producers,
        ..Inventory::default()
    };
    inventory.count();
    inventory
}

/// How a site's failure is handled, in words, and the (rule, span) of the finding it would
/// produce.
fn classify(
    site: &auditlint_core::AuditSite,
    op: &auditlint_core::facts::Operation,
    index: &Index<'_>,
) -> (
    Handling,
    String,
    Option<(&'static str, auditlint_core::Span)>,
) {
    if let Some(ValueCheck::Unread { span }) = op.value_check {
        return (
            Handling::Unchecked,
            "its failure value (`error`, `Response.ok`) is never read".into(),
            Some(("audit-result-unchecked", span)),
        );
    }
    let value_style = op.fails_only_as_value();
    // A failure value that is read: its rejection path matters only when it is dropped.
    if op.value_check == Some(ValueCheck::Read)
        && !matches!(
            site.outcome,
            Outcome::Swallowed { .. } | Outcome::Floating { .. }
        )
    {
        return (Handling::Checked, "its failure value is read".into(), None);
    }
    match &site.outcome {
        Outcome::Escapes { function, .. } => {
            let to = function
                .and_then(|func| {
                    function_name(
                        index,
                        FnRef {
                            file: site.file,
                            func,
                        },
                    )
                })
                .map_or_else(
                    || "the error leaves to the caller".to_string(),
                    |name| format!("the error leaves `{name}` to its caller"),
                );
            (Handling::Propagated, to, None)
        }
        Outcome::Handled(IndexHandling::Surfaces(call)) => {
            (Handling::Surfaced, format!("via `{call}`"), None)
        }
        Outcome::Handled(IndexHandling::Records(flag)) => {
            (Handling::Recorded, format!("in flag `{flag}`"), None)
        }
        Outcome::Handled(IndexHandling::Responds(response)) => (
            Handling::Propagated,
            format!("an HTTP error response (`{response}`) carries it to the client"),
            None,
        ),
        Outcome::Handled(IndexHandling::Stores(place)) => (
            Handling::Recorded,
            format!("the error is stored in `{place}`"),
            None,
        ),
        Outcome::Handled(IndexHandling::ReturnsError) => (
            Handling::ReturnedError,
            "the error is returned as a value".into(),
            None,
        ),
        Outcome::Handled(IndexHandling::Unknown(by)) => {
            (Handling::Delegated, format!("handed to `{by}`"), None)
        }
        Outcome::Handled(IndexHandling::Panics) => (
            Handling::Propagated,
            "the error becomes a panic (`.unwrap()`/`.expect()`)".into(),
            None,
        ),
        Outcome::Swallowed { .. } if value_style => {
            (Handling::Checked, "its failure value is read".into(), None)
        }
        Outcome::Swallowed { handler, reason } => (
            Handling::Swallowed,
            reason.clone(),
            Some(("audit-error-swallowed", *handler)),
        ),
        Outcome::Floating { span, how } => (
            Handling::Floating,
            if *how == auditlint_core::facts::DropKind::Spawn {
                "the spawned task's `JoinHandle` is dropped with its error".into()
            } else {
                "nobody awaits the promise or handles its rejection".into()
            },
            Some(("audit-write-floating", *span)),
        ),
        Outcome::OutOfScope if value_style => {
            (Handling::Checked, "its failure value is read".into(), None)
        }
        Outcome::OutOfScope => (
            Handling::PassedOn,
            "the promise is stored or handed to other code".into(),
            None,
        ),
    }
}

/// `name`, `Class.method` or `req.audit` ([`Function::called_as`]); `None` for anonymous
/// functions.
fn function_name(index: &Index<'_>, f: FnRef) -> Option<String> {
    let function = index
        .files
        .get(f.file as usize)?
        .facts
        .functions
        .get(f.func as usize)?;
    function.called_as()
}
