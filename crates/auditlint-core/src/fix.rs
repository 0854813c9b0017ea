//! Fixes as text edits, computed once from a finding's facts and the file's text, for both
//! `auditlint check --fix` and the editor's code actions.
//!
//! The one fix today, *surface the failure*, makes a swallowing handler log the error at warn
//! level, with the file's own logger when one is in scope (`logger.warn({ event, error })`,
//! `tracing::warn!`, `log::warn!`), else `console.warn` / `eprintln!`. It changes what the
//! program does (a log line on every failed write), so it is [`Applicability::Unsafe`]. A
//! handler that does not name its error gets a name (`catch {` → `catch (error) {`,
//! `Err(_)` → `Err(e)`); a Rust statement that drops the `Result` (`let _ = write();`,
//! `write().ok();`) is rewritten `if let Err(e) = write() { … }`. Where no sound edit exists
//! (a handler passed by reference, `.unwrap_or_default()`, a destructuring catch), the front end
//! records no [`HandlerSite`] and no fix is offered.

use serde::Serialize;

use crate::facts::{ErrorBinder, FileFacts, FnId, HandlerSite, SiteBody};
use crate::span::Span;
use crate::vocab::{SinkName, Vocabulary};

/// Whether a fix keeps the program's behaviour (ruff's safe/unsafe fixes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Applied by `--fix`.
    Safe,
    /// Changes behaviour: applied only with `--fix --unsafe-fixes`.
    Unsafe,
}

/// Replace the bytes of `span` with `text` (an empty span inserts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

/// Edits that belong together, never overlapping each other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Fix {
    pub title: String,
    pub applicability: Applicability,
    /// Sorted by position.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// From the first edit's start to the last edit's end.
    pub fn extent(&self) -> Span {
        let start = self.edits.iter().map(|e| e.span.start).min().unwrap_or(0);
        let end = self.edits.iter().map(|e| e.span.end).max().unwrap_or(0);
        Span { start, end }
    }
}

/// The logging call a fix writes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Logger {
    /// TypeScript/JavaScript: a logger in scope, by its expression (`logger`, `this.logger`).
    Object(String),
    /// `console.warn(JSON.stringify({ event, error: String(error) }))`.
    Console,
    /// `tracing::warn!(error = %e, "event")`.
    Tracing,
    /// `log::warn!("event: {}", e)`.
    Log,
    /// `eprintln!("event: {}", e)`.
    Eprintln,
}

impl Logger {
    /// The call, for a fix's title.
    pub fn call(&self) -> String {
        match self {
            Logger::Object(object) => format!("{object}.warn"),
            Logger::Console => "console.warn".to_string(),
            Logger::Tracing => "tracing::warn!".to_string(),
            Logger::Log => "log::warn!".to_string(),
            Logger::Eprintln => "eprintln!".to_string(),
        }
    }

    fn is_rust(&self) -> bool {
        matches!(self, Logger::Tracing | Logger::Log | Logger::Eprintln)
    }

    /// The statement that logs `event` with the error named `error`.
    fn statement(&self, event: &str, error: &str) -> String {
        match self {
            Logger::Object(object) => {
                let field = if error == "error" {
                    "error".to_string()
                } else {
                    format!("error: {error}")
                };
                format!("{object}.warn({{ event: \"{event}\", {field} }});")
            }
            Logger::Console => format!(
                "console.warn(JSON.stringify({{ event: \"{event}\", error: String({error}) }}));"
            ),
            Logger::Tracing => format!("tracing::warn!(error = %{error}, \"{event}\");"),
            Logger::Log => format!("log::warn!(\"{event}: {{}}\", {error});"),
            Logger::Eprintln => format!("eprintln!(\"{event}: {{}}\", {error});"),
        }
    }
}

/// What a rule asks for: surface the failure in this handler, with this logger and event name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SurfacePlan {
    pub site: HandlerSite,
    pub logger: Logger,
    /// `staff_audit_logs_insert_failed`.
    pub event: String,
}

/// The event name a log line gets, from the audit write: `staff_audit_logs` →
/// `staff_audit_logs_insert_failed`, `auditService.record` → `audit_service_record_failed`.
pub fn event_name(sink: &SinkName) -> String {
    match sink {
        SinkName::Table(table) => format!("{}_insert_failed", snake_case(table)),
        SinkName::Function(function) => {
            let function = function.strip_prefix("this.").unwrap_or(function);
            format!("{}_failed", snake_case(function))
        }
        SinkName::Url(_) => "audit_request_failed".to_string(),
    }
    .trim_start_matches('_')
    .to_string()
}

/// `staffAuditLogs` / `"audit-log"` / `audit::Log` → `staff_audit_logs` / `audit_log`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() {
        "audit".to_string()
    } else {
        out
    }
}

/// Logging methods whose receiver is taken for a logger when the vocabulary's reporter
/// receivers match its name.
const LEVELS: &[&str] = &["warn", "error", "info", "debug", "trace", "fatal"];

/// Module names a logger is imported from, besides anything with `log` in it.
const LOGGER_MODULES: &[&str] = &["pino", "winston", "bunyan", "consola", "signale"];

/// The logger a fix in this handler of this file uses.
///
/// Rust: `tracing` when the file names the crate (`use tracing::…`, `tracing::info!(..)`),
/// else `log`, else `eprintln!`. TypeScript/JavaScript: a receiver of `warn/error/info/…`
/// calls in this file whose name the reporter vocabulary calls logger-like (`logger`, `log`,
/// `this.logger`, `req.log`) and that is visible from the handler (imported or declared at the
/// top level, a local or parameter of a function around it, `this.…` right in a method of the
/// same class); else a logger-like camelCase name imported from a logging module (`pino`,
/// `./logger`); else `console`.
pub fn choose_logger(
    facts: &FileFacts,
    site: &HandlerSite,
    vocab: &Vocabulary,
    rust: bool,
) -> Logger {
    if rust {
        let names = |root: &str| facts.path_roots.iter().any(|r| r == root);
        return if names("tracing") {
            Logger::Tracing
        } else if names("log") {
            Logger::Log
        } else {
            Logger::Eprintln
        };
    }
    let chain = scope_chain(facts, site.scope);
    // `this` is the instance only right in a method (or an arrow callback there): a nested
    // `function` rebinds it, and the facts do not tell a nested arrow from a `function`.
    let method_class = |chain: &[FnId]| {
        chain
            .first()
            .and_then(|&f| facts.functions.get(f as usize)?.class.clone())
    };
    let handler_class = method_class(&chain);
    let module_level = |name: &str| {
        facts.imports.iter().any(|i| i.local == name)
            || facts.module_locals.iter().any(|l| l == name)
            || facts
                .bindings
                .iter()
                .any(|b| b.scope.is_none() && b.name == name)
    };
    let local = |name: &str| {
        chain.iter().any(|&f| {
            facts
                .functions
                .get(f as usize)
                .is_some_and(|func| func.locals.iter().any(|l| l == name))
        })
    };
    let logger_like = |name: &str| name != "console" && vocab.reporter_receivers.is_match(name);
    for op in &facts.ops {
        let Some((receiver, method)) = op.callee.rsplit_once('.') else {
            continue;
        };
        if !LEVELS.contains(&method) {
            continue;
        }
        let parts: Vec<&str> = receiver.split('.').collect();
        if !parts.iter().all(|p| is_identifier(p)) || !parts.last().is_some_and(|l| logger_like(l))
        {
            continue;
        }
        let visible = match parts[0] {
            "this" => {
                !site.own_this
                    && handler_class.is_some()
                    && method_class(&scope_chain(facts, op.enclosing)) == handler_class
            }
            root => local(root) || module_level(root),
        };
        if visible {
            return Logger::Object(receiver.to_string());
        }
    }
    for import in &facts.imports {
        let source = import.source.to_ascii_lowercase();
        let from_logging = source.contains("log")
            || LOGGER_MODULES
                .iter()
                .any(|m| source == *m || source.starts_with(&format!("{m}/")));
        // A value, not a type (`import type { Logger }`): values are written in camelCase.
        if from_logging
            && import.local.starts_with(|c: char| c.is_ascii_lowercase())
            && logger_like(&import.local)
            && is_identifier(&import.local)
            && !matches!(import.imported, crate::facts::Imported::Namespace)
        {
            return Logger::Object(import.local.clone());
        }
    }
    Logger::Console
}

/// `scope` and the functions around it, innermost first.
fn scope_chain(facts: &FileFacts, scope: Option<FnId>) -> Vec<FnId> {
    let mut chain = Vec::new();
    let mut at = scope;
    while let Some(f) = at {
        if chain.contains(&f) || chain.len() > 256 {
            break;
        }
        chain.push(f);
        at = facts.functions.get(f as usize).and_then(|func| func.parent);
    }
    chain
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

fn is_identifier_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Does `name` occur in `text` as a whole identifier?
fn mentions(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(is_identifier_char) && !after.is_some_and(is_identifier_char)
    })
}

/// The leading whitespace of the line `offset` is on.
fn line_indent(text: &str, offset: usize) -> &str {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[start..];
    let width = line
        .find(|c: char| c != ' ' && c != '\t')
        .unwrap_or(line.len());
    &line[..width]
}

/// One level of indentation in this file: a tab when lines start with tabs, else the smallest
/// indentation of two or more spaces (JSDoc's ` * ` is not a level), else four spaces.
/// The file's indentation step (a tab, or its smallest indentation of 2 or more spaces): computed
/// once per file by the caller of [`surface`].
pub fn indent_unit(text: &str) -> String {
    let mut smallest: Option<usize> = None;
    for line in text.lines() {
        if line.starts_with('\t') {
            return "\t".to_string();
        }
        let spaces = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[spaces..];
        if spaces >= 2 && !rest.is_empty() && !rest.starts_with('*') {
            smallest = Some(smallest.map_or(spaces, |s| s.min(spaces)));
        }
    }
    " ".repeat(smallest.unwrap_or(4).min(8))
}

/// The edits of "surface the failure" for this plan in `text`, or `None` when the facts do not
/// fit the text (then no fix is offered rather than a wrong one).
pub fn surface(text: &str, unit: &str, plan: &SurfacePlan) -> Option<Fix> {
    let rust = plan.logger.is_rust();
    let get = |span: Span| text.get(span.range());
    // The code the new name must not capture: the handler's body.
    let body_span = match &plan.site.body {
        SiteBody::Block(span) | SiteBody::Expression(span) => *span,
        SiteBody::Discarded { .. } => Span::default(),
    };
    let body_text = get(body_span)?;
    let logger_root = match &plan.logger {
        Logger::Object(object) => object.split('.').next().unwrap_or_default(),
        _ => "",
    };
    let mut edits = Vec::new();
    let name = match &plan.site.binder {
        ErrorBinder::Named(name) => name.clone(),
        ErrorBinder::Unnamed {
            span,
            before,
            after,
        } => {
            get(*span)?;
            let candidates: &[&str] = if rust {
                &["e", "err", "error", "audit_err"]
            } else {
                &["error", "err", "auditError", "caughtError"]
            };
            let name = candidates
                .iter()
                .find(|n| !mentions(body_text, n) && **n != logger_root)?
                .to_string();
            edits.push(Edit {
                span: *span,
                text: format!("{before}{name}{after}"),
            });
            name
        }
        ErrorBinder::Rewrite => "e".to_string(),
    };
    if !is_identifier(&name) || name == logger_root {
        return None;
    }
    let statement = plan.logger.statement(&plan.event, &name);
    match &plan.site.body {
        SiteBody::Block(block) => {
            let (open, close) = (block.start as usize, (block.end as usize).checked_sub(1)?);
            if close <= open || text.get(open..=open)? != "{" || text.get(close..=close)? != "}" {
                return None;
            }
            let base = line_indent(text, open);
            let inner = &text[open + 1..close];
            if !inner.contains('\n') && inner.trim().is_empty() {
                edits.push(Edit {
                    span: Span::new(open + 1, close),
                    text: format!("\n{base}{unit}{statement}\n{base}"),
                });
            } else {
                let after = open + 1;
                match text[after..close].find('\n').map(|i| after + i) {
                    Some(line_end) => {
                        let rest = text[after..line_end].trim();
                        // The indentation of the block's first line of code.
                        let first = text[line_end + 1..close]
                            .lines()
                            .find(|l| !l.trim().is_empty())
                            .map(|l| &l[..l.len() - l.trim_start().len()]);
                        let indent = first.map_or_else(|| format!("{base}{unit}"), str::to_string);
                        if rest.is_empty() || rest.starts_with("//") {
                            edits.push(Edit {
                                span: Span::new(line_end, line_end),
                                text: format!("\n{indent}{statement}"),
                            });
                        } else {
                            edits.push(Edit {
                                span: Span::new(after, after),
                                text: format!("\n{base}{unit}{statement}\n{base}{unit}"),
                            });
                        }
                    }
                    None => edits.push(Edit {
                        span: Span::new(after, after),
                        text: format!("\n{base}{unit}{statement}\n{base}{unit}"),
                    }),
                }
            }
        }
        SiteBody::Expression(expression) => {
            let value = get(*expression)?.trim();
            let base = line_indent(text, expression.start as usize);
            let tail = if rust {
                if value == "()" {
                    String::new()
                } else {
                    format!("\n{base}{unit}{value}")
                }
            } else {
                format!("\n{base}{unit}return {value};")
            };
            edits.push(Edit {
                span: *expression,
                text: format!("{{\n{base}{unit}{statement}{tail}\n{base}}}"),
            });
        }
        SiteBody::Discarded {
            statement: whole,
            value,
        } => {
            let value_text = get(*value)?.trim();
            get(*whole)?;
            // An attribute on the value (`#[allow(unused_must_use)] write();`) cannot stay on an
            // `if let` scrutinee.
            if !whole.contains(*value) || value_text.starts_with('#') {
                return None;
            }
            // A struct literal cannot be an `if let` scrutinee unparenthesised.
            let value_text = if value_text.contains('{') {
                format!("({value_text})")
            } else {
                value_text.to_string()
            };
            let base = line_indent(text, whole.start as usize);
            edits.push(Edit {
                span: *whole,
                text: format!(
                    "if let Err({name}) = {value_text} {{\n{base}{unit}{statement}\n{base}}}"
                ),
            });
        }
    }
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    if edits.windows(2).any(|w| w[0].span.end > w[1].span.start) {
        return None;
    }
    Some(Fix {
        title: format!(
            "Surface the failure: log it with `{}` (changes behaviour)",
            plan.logger.call()
        ),
        applicability: Applicability::Unsafe,
        edits,
    })
}

/// `text` with `edits` applied; `None` when two of them overlap or one is out of bounds.
pub fn apply(text: &str, edits: &[&Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for edit in sorted {
        let range = edit.span.range();
        if range.start < at || range.end > text.len() || !text.is_char_boundary(range.start) {
            return None;
        }
        out.push_str(text.get(at..range.start)?);
        out.push_str(&edit.text);
        at = range.end;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

/// Do two fixes touch the same text (or insert at the same place)? Such fixes are never applied
/// in one pass.
pub fn overlaps(a: &Fix, b: &Fix) -> bool {
    a.edits.iter().any(|x| {
        b.edits.iter().any(|y| {
            (x.span.start < y.span.end && y.span.start < x.span.end)
                || x.span.start == y.span.start
                || (x.span.start == x.span.end && y.span.contains(x.span))
                || (y.span.start == y.span.end && x.span.contains(y.span))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_are_snake_case() {
        assert_eq!(
            event_name(&SinkName::Table("staff_audit_logs".into())),
            "staff_audit_logs_insert_failed"
        );
        assert_eq!(
            event_name(&SinkName::Function("this.auditService.record".into())),
            "audit_service_record_failed"
        );
        assert_eq!(
            event_name(&SinkName::Table("\"Audit-Log\"".into())),
            "audit_log_insert_failed"
        );
    }

    fn plan(binder: ErrorBinder, body: SiteBody, logger: Logger) -> SurfacePlan {
        SurfacePlan {
            site: HandlerSite {
                binder,
                body,
                scope: None,
                own_this: false,
            },
            logger,
            event: "audit_logs_insert_failed".into(),
        }
    }

    fn applied(text: &str, plan: &SurfacePlan) -> String {
        let fix = surface(text, &indent_unit(text), plan).expect("a fix");
        apply(text, &fix.edits.iter().collect::<Vec<_>>()).expect("applies")
    }

    #[test]
    fn an_empty_catch_without_binding_gets_one() {
        let text = "function f() {\n  try {\n    w();\n  } catch {}\n}\n";
        let catch = text.find("catch").unwrap();
        let open = text.find("{}").unwrap();
        let p = plan(
            ErrorBinder::Unnamed {
                span: Span::new(catch + 5, catch + 5),
                before: " (".into(),
                after: ")".into(),
            },
            SiteBody::Block(Span::new(open, open + 2)),
            Logger::Console,
        );
        assert_eq!(
            applied(text, &p),
            "function f() {\n  try {\n    w();\n  } catch (error) {\n    console.warn(JSON.stringify({ event: \"audit_logs_insert_failed\", error: String(error) }));\n  }\n}\n"
        );
    }

    #[test]
    fn a_comment_after_the_brace_stays_first() {
        let text = "try { w() } catch (err) { // ignore\n    }\n";
        let open = text.find("{ //").unwrap();
        let p = plan(
            ErrorBinder::Named("err".into()),
            SiteBody::Block(Span::new(open, text.len() - 1)),
            Logger::Object("logger".into()),
        );
        assert_eq!(
            applied(text, &p),
            "try { w() } catch (err) { // ignore\n    logger.warn({ event: \"audit_logs_insert_failed\", error: err });\n    }\n"
        );
    }

    #[test]
    fn a_name_the_body_uses_is_not_captured() {
        let text = "p.catch(() => error)";
        let params = text.find("()").unwrap();
        let body = text.find("error").unwrap();
        let p = plan(
            ErrorBinder::Unnamed {
                span: Span::new(params, params + 2),
                before: "(".into(),
                after: ")".into(),
            },
            SiteBody::Expression(Span::new(body, body + 5)),
            Logger::Console,
        );
        let out = applied(text, &p);
        assert!(out.starts_with("p.catch((err) => {\n"), "{out}");
        assert!(out.contains("return error;"), "{out}");
    }

    #[test]
    fn a_dropped_result_becomes_if_let() {
        let text = "fn f() {\n    let _ = write(&db);\n}\n";
        let start = text.find("let").unwrap();
        let end = text.find(';').unwrap() + 1;
        let value = text.find("write").unwrap();
        let p = plan(
            ErrorBinder::Rewrite,
            SiteBody::Discarded {
                statement: Span::new(start, end),
                value: Span::new(value, end - 1),
            },
            Logger::Tracing,
        );
        assert_eq!(
            applied(text, &p),
            "fn f() {\n    if let Err(e) = write(&db) {\n        tracing::warn!(error = %e, \"audit_logs_insert_failed\");\n    }\n}\n"
        );
    }

    #[test]
    fn facts_that_do_not_fit_the_text_give_no_fix() {
        let text = "try { w() } catch (e) {}";
        for body in [
            SiteBody::Block(Span::new(0, 0)),
            SiteBody::Block(Span::new(23, 24)),
            SiteBody::Block(Span::new(4, 9)),
            SiteBody::Block(Span::new(22, 99)),
            SiteBody::Expression(Span::new(30, 40)),
            SiteBody::Discarded {
                statement: Span::new(0, 5),
                value: Span::new(3, 9),
            },
        ] {
            let p = plan(
                ErrorBinder::Named("e".into()),
                body.clone(),
                Logger::Console,
            );
            assert_eq!(surface(text, &indent_unit(text), &p), None, "{body:?}");
        }
    }

    #[test]
    fn overlapping_edits_do_not_apply() {
        let a = Edit {
            span: Span::new(0, 3),
            text: "x".into(),
        };
        let b = Edit {
            span: Span::new(2, 4),
            text: "y".into(),
        };
        assert_eq!(apply("abcdef", &[&a, &b]), None);
        assert_eq!(apply("abcdef", &[&a]).as_deref(), Some("xdef"));
    }
}
