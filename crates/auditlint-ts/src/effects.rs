//! What a handler's body does with the error it receives.

use auditlint_core::facts::Effects;
use tree_sitter::Node;

use crate::syntax::{block_end, callee_path, is_function, nth_named, text, unwrap_expr};

/// Nodes visited at most in one body; a handler larger than this is summarised from its start.
const MAX_NODES: usize = 20_000;

/// Summarises `body` (a block or an arrow's expression body); `error` is the handler's
/// parameter name, if it binds one.
pub fn effects(body: Node<'_>, error: Option<&str>, src: &str) -> Effects {
    let mut out = Effects::default();
    // Comments after the closing `}` (`catch {} // why`) are outside the body.
    let end = block_end(body);
    if body.kind() == "statement_block" {
        let mut cursor = body.walk();
        let statements: Vec<Node<'_>> = body
            .named_children(&mut cursor)
            .filter(|c| c.kind() != "comment" && c.start_byte() < end)
            .collect();
        out.is_empty = statements.is_empty();
        out.returns_nothing =
            matches!(statements.as_slice(), [only] if returns_nothing(*only, src));
    } else {
        // An expression body: `() => undefined`, `e => e`, `e => logger.warn(e)`.
        let expr = unwrap_expr(body);
        match expr.kind() {
            "undefined" | "null" => out.returns_nothing = true,
            "unary_expression" if text(expr, src).starts_with("void") => {
                out.returns_nothing = true;
            }
            _ => {}
        }
        if mentions(expr, error, src) && !matches!(expr.kind(), "call_expression") {
            out.returns_error = true;
        }
    }
    // (node, inside a nested function)
    let mut stack: Vec<(Node<'_>, bool)> = vec![(body, false)];
    let mut visited = 0;
    while let Some((node, nested)) = stack.pop() {
        visited += 1;
        if visited > MAX_NODES {
            break;
        }
        let kind = node.kind();
        match kind {
            "comment" if node.start_byte() < end => out.has_comments = true,
            "throw_statement" if !nested => out.throws = true,
            "call_expression" => {
                if let Some(function) = node.child_by_field_name("function")
                    && let Some(path) = callee_path(function, src)
                {
                    out.calls.push(path);
                }
            }
            "assignment_expression" => {
                if let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) && right.kind() == "false"
                {
                    let name = callee_path(left, src).unwrap_or_default();
                    out.flag_writes.push(last(&name).to_string());
                }
            }
            "pair" => {
                if let Some(key) = node.child_by_field_name("key") {
                    out.flag_writes
                        .push(text(key, src).trim_matches(['"', '\'']).to_string());
                }
            }
            "shorthand_property_identifier" => out.flag_writes.push(text(node, src).to_string()),
            "return_statement" if !nested => {
                if let Some(value) = nth_named(node, 0)
                    && mentions(value, error, src)
                {
                    out.returns_error = true;
                }
            }
            _ => {}
        }
        let nested = nested || (is_function(kind) && node != body);
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            stack.push((child, nested));
        }
    }
    out
}

fn last(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn returns_nothing(statement: Node<'_>, src: &str) -> bool {
    if statement.kind() != "return_statement" {
        return false;
    }
    match nth_named(statement, 0) {
        None => true,
        Some(value) => matches!(
            text(unwrap_expr(value), src),
            "null" | "undefined" | "void 0"
        ),
    }
}

/// Does `node` contain the identifier `name` (outside nested functions)?
fn mentions(node: Node<'_>, name: Option<&str>, src: &str) -> bool {
    let Some(name) = name else { return false };
    let mut stack = vec![node];
    let mut visited = 0;
    while let Some(n) = stack.pop() {
        visited += 1;
        if visited > MAX_NODES {
            return false;
        }
        match n.kind() {
            "identifier" | "shorthand_property_identifier" if text(n, src) == name => return true,
            kind if is_function(kind) => continue,
            _ => {}
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
    false
}
