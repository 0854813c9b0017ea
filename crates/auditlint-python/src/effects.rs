//! What an `except` block (or a small helper function) does with the error it receives.

use auditlint_core::facts::Effects;
use auditlint_core::tree::visit_bounded;
use tree_sitter::Node;

use crate::syntax::{Field, Kind};

use crate::syntax::{callee_path, last_segment, mentions, plain_string, text, unwrap_expr};

/// Nodes looked at in one handler body, at most.
pub(crate) const MAX_NODES: usize = 20_000;

/// The effects of `body` (a `block`), the caught error bound to `error` (`except E as error`).
/// Walks the body; [`summary`] takes its nodes from a walk already done.
pub(crate) fn effects(body: Node<'_>, error: Option<&str>, src: &str) -> Effects {
    let mut effects = head(body);
    visit_bounded(body, MAX_NODES, |node| {
        let nested = matches!(
            node.k(),
            "function_definition" | "lambda" | "class_definition"
        );
        step(node, false, error, src, &mut effects);
        if nested && node != body {
            // Calls in nested functions still count (a callback that reports), throws do not.
            visit_bounded(node, MAX_NODES, |n| {
                step(n, true, error, src, &mut effects);
                true
            });
            return false;
        }
        true
    });
    effects
}

/// [`effects`] of `body` from `nodes`: the body's named nodes that [`step`] reads, in the
/// order its walk meets them (each node before its children, the last child first), each with
/// whether it is inside a function, lambda or class nested in the body. The caller makes sure
/// the walk's node limit ([`MAX_NODES`]) is not reached.
pub(crate) fn summary<'t>(
    body: Node<'t>,
    error: Option<&str>,
    src: &str,
    nodes: impl Iterator<Item = (Node<'t>, bool)>,
) -> Effects {
    let mut effects = head(body);
    for (node, nested) in nodes {
        step(node, nested, error, src, &mut effects);
    }
    effects
}

/// What the body's statements say by themselves: empty, commented, a bare `return`.
fn head(body: Node<'_>) -> Effects {
    let mut effects = Effects::default();
    let mut statements = 0;
    let mut only_pass = true;
    let mut cursor = body.walk();
    for statement in body.named_children(&mut cursor) {
        match statement.k() {
            "comment" => effects.has_comments = true,
            "pass_statement" => {}
            "expression_statement"
                if statement
                    .named_child(0)
                    .is_some_and(|e| matches!(e.k(), "ellipsis" | "string")) => {}
            _ => {
                only_pass = false;
                statements += 1;
            }
        }
    }
    effects.is_empty = only_pass;
    if statements == 1
        && let Some(only) = body
            .named_children(&mut body.walk())
            .find(|s| !matches!(s.k(), "comment" | "pass_statement"))
        && only.k() == "return_statement"
    {
        let value = only.named_child(0);
        effects.returns_nothing = value.is_none_or(|v| v.k() == "none");
    }
    effects
}

/// One node of the body: `nested` when it is inside a function, lambda or class nested in the
/// body, where only calls count.
fn step(node: Node<'_>, nested: bool, error: Option<&str>, src: &str, effects: &mut Effects) {
    if nested {
        if node.k() == "call"
            && let Some(path) = node.field("function").and_then(|f| callee_path(f, src))
        {
            effects.calls.push(path);
        }
        return;
    }
    match node.k() {
        "raise_statement" => effects.throws = true,
        "call" => call(node, error, src, effects),
        "assignment" => assignment(node, error, src, effects),
        "return_statement" => returned(node, error, src, effects),
        "pair" => {
            if let Some(key) = node.field("key").and_then(|k| plain_string(k, src)) {
                effects.flag_writes.push(key);
            }
        }
        "keyword_argument" => {
            if let Some(name) = node.field("name") {
                effects.flag_writes.push(text(name, src).to_string());
            }
        }
        _ => {}
    }
}

fn call(node: Node<'_>, error: Option<&str>, src: &str, effects: &mut Effects) {
    let Some(path) = node.field("function").and_then(|f| callee_path(f, src)) else {
        return;
    };
    let method = last_segment(&path);
    // `failures.append(e)`, `errors.add(str(exc))`, `queue.put_nowait(entry)`: the error is
    // stored where it outlives the handler.
    if matches!(
        method,
        "append" | "add" | "put" | "put_nowait" | "extend" | "appendleft"
    ) && path.contains('.')
        && let Some(error) = error
        && node
            .field("arguments")
            .is_some_and(|a| mentions(a, error, src))
    {
        effects.stores_error = Some(path.trim_end_matches(&format!(".{method}")).to_string());
    }
    // `abort(500)`: Flask's error response.
    if method == "abort"
        && let Some(status) = node
            .field("arguments")
            .and_then(|a| a.named_child(0))
            .map(|a| text(a, src))
        && is_error_status(status)
    {
        effects.error_response = Some(status.to_string());
    }
    effects.calls.push(path);
}

fn assignment(node: Node<'_>, error: Option<&str>, src: &str, effects: &mut Effects) {
    let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
        return;
    };
    let name = match left.k() {
        "identifier" => Some(text(left, src).to_string()),
        "attribute" => left.field("attribute").map(|a| text(a, src).to_string()),
        "subscript" => left.field("subscript").and_then(|s| plain_string(s, src)),
        _ => None,
    };
    if right.k() == "false"
        && let Some(name) = &name
    {
        effects.flag_writes.push(name.clone());
    }
    // `job.error = str(e)`, `result["error"] = repr(exc)`.
    if matches!(left.k(), "attribute" | "subscript")
        && let Some(error) = error
        && mentions(right, error, src)
    {
        effects.stores_error = Some(text(left, src).to_string());
    }
}

fn returned(node: Node<'_>, error: Option<&str>, src: &str, effects: &mut Effects) {
    let Some(value) = node.named_child(0) else {
        return;
    };
    let value = unwrap_expr(value);
    if let Some(error) = error
        && value.k() == "identifier"
        && text(value, src) == error
    {
        effects.returns_error = true;
    }
    // `return jsonify(..), 500`, `return Response(status=502)`, `JSONResponse(status_code=500)`.
    let mut stack = vec![value];
    let mut seen = 0;
    while let Some(n) = stack.pop() {
        seen += 1;
        if seen > 256 {
            break;
        }
        match n.k() {
            "integer"
                if is_error_status(text(n, src))
                    && n.parent().is_some_and(|p| {
                        matches!(p.k(), "expression_list" | "tuple" | "keyword_argument")
                    }) =>
            {
                effects.error_response = Some(text(n, src).to_string());
            }
            "attribute" if text(n, src).contains("HTTP_5") || text(n, src).contains("HTTP_4") => {
                effects.error_response = Some(text(n, src).to_string());
            }
            _ => {}
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
}

fn is_error_status(text: &str) -> bool {
    text.parse::<u16>().is_ok_and(|s| (400..600).contains(&s))
}
