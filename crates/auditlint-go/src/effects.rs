//! What a handler's code does with an error: the Go forms of [`Effects`].
//!
//! `return err`, `return fmt.Errorf("..: %w", err)`, `panic(..)`, `log.Fatal(..)` and
//! `os.Exit(..)` pass it on (`throws`); every call's path goes into `calls` for the
//! vocabulary to judge (`slog.Warn` surfaces, `log.Printf` does not); `x.AuditLogged = false`
//! and composite-literal keys are flag writes; `http.Error(w, .., 500)` and a 4xx/5xx status
//! reach the client; `errs = append(errs, err)` and `job.Err = err` store it.

use auditlint_core::facts::Effects;
use tree_sitter::Node;

use crate::walk::{callee_path, is_errish, text};

/// Nodes looked at, at most, in one handler body.
const MAX_NODES: usize = 20_000;

/// Statuses below 400 that `http.Status…` names: a response with one of them is a success.
const SUCCESS_STATUSES: &[&str] = &[
    "StatusContinue",
    "StatusSwitchingProtocols",
    "StatusProcessing",
    "StatusEarlyHints",
    "StatusOK",
    "StatusCreated",
    "StatusAccepted",
    "StatusNonAuthoritativeInfo",
    "StatusNoContent",
    "StatusResetContent",
    "StatusPartialContent",
    "StatusMultiStatus",
    "StatusAlreadyReported",
    "StatusIMUsed",
    "StatusMultipleChoices",
    "StatusMovedPermanently",
    "StatusFound",
    "StatusSeeOther",
    "StatusNotModified",
    "StatusUseProxy",
    "StatusTemporaryRedirect",
    "StatusPermanentRedirect",
];

/// Methods that send a response with the status they are given.
const RESPONSE_METHODS: &[&str] = &[
    "WriteHeader",
    "JSON",
    "String",
    "Status",
    "AbortWithStatus",
    "AbortWithStatusJSON",
    "AbortWithError",
    "SendStatus",
    "NoContent",
    "Error",
    "IndentedJSON",
    "XML",
];

/// The effects of `node` (a block, or a single statement) as an error handler.
pub(crate) fn of(node: Node<'_>, src: &str) -> Effects {
    let mut effects = Effects::default();
    let statements = statements_of(node);
    effects.is_empty = statements.is_empty();
    if let [only] = statements.as_slice() {
        effects.returns_nothing = only.kind() == "return_statement"
            && only.named_child(0).is_none_or(|list| {
                (0..list.named_child_count()).all(|i| {
                    list.named_child(i as u32)
                        .is_some_and(|e| matches!(e.kind(), "nil" | "false" | "true"))
                })
            });
    }
    let mut stack = vec![(node, false)];
    let mut seen = 0usize;
    while let Some((current, in_closure)) = stack.pop() {
        seen += 1;
        if seen > MAX_NODES {
            break;
        }
        match current.kind() {
            "comment" => effects.has_comments = true,
            "call_expression" => {
                let path = current
                    .child_by_field_name("function")
                    .map(|f| callee_path(f, src))
                    .unwrap_or_default();
                if !in_closure && is_loud_exit(&path) {
                    effects.throws = true;
                }
                if let Some(status) = error_response(current, &path, src) {
                    effects.error_response.get_or_insert(status);
                }
                if !path.is_empty() {
                    effects.calls.push(path);
                }
            }
            "return_statement" if !in_closure => {
                if let Some(list) = current.named_child(0)
                    && mentions_error_outside_literals(list, src)
                {
                    effects.throws = true;
                }
            }
            "assignment_statement" | "short_var_declaration" => {
                assignment(current, src, &mut effects)
            }
            "keyed_element" => {
                if let Some(key) = current.named_child(0) {
                    let key = text(key, src).trim();
                    if key.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        effects.flag_writes.push(key.to_string());
                    }
                }
            }
            _ => {}
        }
        let closure = in_closure || current.kind() == "func_literal";
        for i in (0..current.child_count()).rev() {
            if let Some(child) = current.child(i) {
                stack.push((child, closure));
            }
        }
    }
    effects
}

/// The statements of a block, or the node itself when it is one statement.
pub(crate) fn statements_of(node: Node<'_>) -> Vec<Node<'_>> {
    if node.kind() != "block" {
        return vec![node];
    }
    let mut out = Vec::new();
    for i in 0..node.named_child_count() {
        let Some(child) = node.named_child(i as u32) else {
            continue;
        };
        if child.kind() == "statement_list" {
            for j in 0..child.named_child_count() {
                if let Some(statement) = child.named_child(j as u32)
                    && statement.kind() != "comment"
                    && statement.kind() != "empty_statement"
                {
                    out.push(statement);
                }
            }
        } else if child.kind() != "comment" {
            out.push(child);
        }
    }
    out
}

/// `panic(..)`, `log.Fatal(..)`, `log.Panicf(..)`, `os.Exit(..)`: the failure cannot go unseen.
fn is_loud_exit(path: &str) -> bool {
    if path == "panic" || path == "os.Exit" {
        return true;
    }
    let last = path.rsplit('.').next().unwrap_or(path);
    path.starts_with("log.") && (last.starts_with("Fatal") || last.starts_with("Panic"))
}

/// `x.AuditLogged = false`, `auditLogged = false`: a flag write; `job.Err = err`,
/// `errs = append(errs, err)`: the error is stored.
fn assignment(node: Node<'_>, src: &str, effects: &mut Effects) {
    let (Some(left), Some(right)) = (
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
    ) else {
        return;
    };
    let right_text = text(right, src).trim();
    if right_text == "false" {
        for i in 0..left.named_child_count() {
            if let Some(target) = left.named_child(i as u32) {
                let name = match target.kind() {
                    "selector_expression" => target
                        .child_by_field_name("field")
                        .map(|f| text(f, src).to_string()),
                    "identifier" => Some(text(target, src).to_string()),
                    _ => None,
                };
                effects.flag_writes.extend(name);
            }
        }
    }
    // `job.Err = err`, `errs = append(errs, err)`, `result = multierr.Append(result, err)`:
    // the error lives on in a value other code reads.
    let target = text(left, src).trim();
    if target != "_"
        && mentions_error_outside_literals(right, src)
        && effects.stores_error.is_none()
    {
        effects.stores_error = Some(target.to_string());
    }
}

/// Does an expression name an error (an identifier like `err`, `ErrAuditFailed`, a call like
/// `fmt.Errorf`, `errors.New`, `status.Error`), outside composite literals (`Result{AuditLogged:
/// err == nil}` records the failure, it does not return it)?
fn mentions_error_outside_literals(node: Node<'_>, src: &str) -> bool {
    use auditlint_core::tree::{Look, search};
    search(node, MAX_NODES, |current| match current.kind() {
        "composite_literal" | "func_literal" => Look::Skip,
        "identifier" | "field_identifier" | "package_identifier"
            if is_errish(text(current, src)) =>
        {
            Look::Found(())
        }
        _ => Look::Enter,
    })
    .is_some()
}

/// `http.Error(w, msg, 500)`, `w.WriteHeader(http.StatusBadGateway)`, `c.JSON(500, ..)`: an
/// HTTP error response that carries the failure to the client.
fn error_response(call: Node<'_>, path: &str, src: &str) -> Option<String> {
    if path == "http.Error" {
        return Some(path.to_string());
    }
    let method = path.rsplit('.').next().unwrap_or(path);
    let args = call.child_by_field_name("arguments")?;
    for i in 0..args.named_child_count() {
        let Some(arg) = args.named_child(i as u32) else {
            continue;
        };
        let arg_text = text(arg, src);
        if let Some(status) = arg_text.strip_prefix("http.")
            && status.starts_with("Status")
            && !SUCCESS_STATUSES.contains(&status)
        {
            return Some(arg_text.to_string());
        }
        if arg.kind() == "int_literal"
            && RESPONSE_METHODS.contains(&method)
            && arg_text
                .parse::<u32>()
                .is_ok_and(|code| (400..600).contains(&code))
        {
            return Some(format!("{method}({arg_text})"));
        }
    }
    None
}
