//! Where a call's result goes, for audit flags: which fields are read on it (or on the elements
//! of a collection of results), whether it escapes whole, or whether it is dropped.
//!
//! Follows the value upward through `await`, `Promise.all/allSettled`, `map` callbacks and
//! `for … of` loops, and into the uses of the variables it is bound to. Each step is bounded
//! (`MAX_FOLLOW` levels of variables, `MAX_NODES` visited), so no input makes it deep or slow.

use auditlint_core::Span;
use auditlint_core::facts::ResultUse;
use tree_sitter::Node;

use crate::syntax::{callee_path, is_function, is_transparent, last_segment, string_text, text};

const MAX_FOLLOW: u32 = 8;
const MAX_NODES: usize = 100_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// The result itself.
    Value,
    /// A collection of results (`Promise.all`, `xs.map(f)`).
    Collection,
    /// A collection of `{ status, value }` (`Promise.allSettled`).
    Settled,
}

pub(crate) struct Flow<'s> {
    src: &'s str,
    visited: usize,
    out: ResultUse,
}

/// How the result of the call at the end of `path` is used.
pub(crate) fn result_use(src: &str, path: &[Node<'_>]) -> ResultUse {
    follow(src, path, Kind::Value)
}

/// How the elements of the collection made by the call at the end of `path` are used.
pub(crate) fn collection_use(src: &str, path: &[Node<'_>]) -> ResultUse {
    follow(src, path, Kind::Collection)
}

fn follow(src: &str, path: &[Node<'_>], kind: Kind) -> ResultUse {
    let top = path.len() - 1;
    let mut flow = Flow {
        src,
        visited: 0,
        out: ResultUse {
            span: span_of(path[top]),
            ..ResultUse::default()
        },
    };
    flow.follow_expr(path, top, kind, 0, true);
    flow.out.fields.sort();
    flow.out.fields.dedup();
    flow.out
}

impl Flow<'_> {
    fn read(&mut self, field: &str) {
        self.out.fields.push(field.to_string());
    }

    /// Follows the value of `path[at]` upward.
    fn follow_expr(
        &mut self,
        path: &[Node<'_>],
        mut at: usize,
        mut kind: Kind,
        depth: u32,
        top: bool,
    ) {
        for _ in 0..64 {
            let Some(parent_at) = at.checked_sub(1) else {
                return;
            };
            let parent = path[parent_at];
            let child = path[at];
            let field = |name: &str| parent.child_by_field_name(name) == Some(child);
            match parent.kind() {
                k if is_transparent(k) || k == "await_expression" => at = parent_at,
                "ternary_expression" if !field("condition") => at = parent_at,
                "binary_expression" => {
                    let operator = parent
                        .child_by_field_name("operator")
                        .map_or("", |o| text(o, self.src));
                    match operator {
                        "in" if field("right") => {
                            if let Some(left) = parent.child_by_field_name("left")
                                && left.kind() == "string"
                            {
                                let name = string_text(left, self.src).to_string();
                                self.read(&name);
                            }
                            return;
                        }
                        "&&" | "||" | "??" => at = parent_at,
                        _ => return,
                    }
                }
                "expression_statement" => {
                    if top {
                        self.out.dropped = true;
                        self.out.span = span_of(child);
                    }
                    return;
                }
                "unary_expression" => {
                    if top && text(parent, self.src).starts_with("void") {
                        self.out.dropped = true;
                    }
                    return;
                }
                "variable_declarator" if field("value") => {
                    if top {
                        self.out.span = span_of(child);
                    }
                    let Some(name) = parent.child_by_field_name("name") else {
                        return;
                    };
                    let scope = scope_of(path, parent_at);
                    self.bind(scope, name, kind, depth);
                    return;
                }
                "return_statement" => {
                    self.returned(path, parent_at, depth);
                    return;
                }
                "arrow_function" if field("body") => {
                    self.returned(path, at, depth);
                    return;
                }
                "arguments" => {
                    self.passed(path, parent_at.saturating_sub(1), depth);
                    return;
                }
                "array" => {
                    if parent_at >= 2 && path[parent_at - 1].kind() == "arguments" {
                        self.passed(path, parent_at - 2, depth);
                    } else {
                        self.out.escapes = true;
                    }
                    return;
                }
                "member_expression" if field("object") => {
                    let property = parent
                        .child_by_field_name("property")
                        .map_or("", |p| text(p, self.src))
                        .to_string();
                    match kind {
                        Kind::Value => {
                            if property == "then" {
                                self.callback_param(path, parent_at, 0, Kind::Value, depth);
                            } else {
                                self.read(&property);
                            }
                            return;
                        }
                        Kind::Settled | Kind::Collection => {
                            let element = if kind == Kind::Settled {
                                Kind::Settled
                            } else {
                                Kind::Value
                            };
                            match property.as_str() {
                                // One settled element: its `.value` is a result.
                                "value" if kind == Kind::Settled => {
                                    at = parent_at;
                                    kind = Kind::Value;
                                }
                                "status" | "reason" if kind == Kind::Settled => return,
                                "filter" | "slice" | "sort" | "reverse" | "concat" | "toSorted"
                                | "toReversed" => {
                                    self.callback_param(path, parent_at, 0, element, depth);
                                    at = parent_at.saturating_sub(1);
                                }
                                "find" | "findLast" | "at" | "pop" | "shift" => {
                                    self.callback_param(path, parent_at, 0, element, depth);
                                    at = parent_at.saturating_sub(1);
                                    kind = element;
                                }
                                "map" | "flatMap" | "forEach" | "some" | "every" | "findIndex"
                                | "findLastIndex" => {
                                    self.callback_param(path, parent_at, 0, element, depth);
                                    return;
                                }
                                "reduce" | "reduceRight" => {
                                    self.callback_param(path, parent_at, 1, element, depth);
                                    return;
                                }
                                _ => return,
                            }
                        }
                    }
                }
                "subscript_expression" if field("object") => match kind {
                    Kind::Collection => {
                        at = parent_at;
                        kind = Kind::Value;
                    }
                    Kind::Settled => {
                        at = parent_at;
                        kind = Kind::Settled;
                        // An element of a settled collection: its `.value` is a result.
                        if let Some(grand) = parent_at.checked_sub(1).map(|g| path[g])
                            && grand.kind() == "member_expression"
                            && grand
                                .child_by_field_name("property")
                                .is_some_and(|p| text(p, self.src) == "value")
                        {
                            at = parent_at - 1;
                            kind = Kind::Value;
                        }
                    }
                    Kind::Value => {
                        self.out.escapes = true;
                        return;
                    }
                },
                "for_in_statement" if field("right") => {
                    if kind != Kind::Value
                        && let Some(left) = parent.child_by_field_name("left")
                    {
                        let element = if kind == Kind::Settled {
                            Kind::Settled
                        } else {
                            Kind::Value
                        };
                        self.bind(parent, left, element, depth);
                    }
                    return;
                }
                "spread_element"
                | "pair"
                | "assignment_expression"
                | "augmented_assignment_expression"
                | "yield_expression"
                | "shorthand_property_identifier"
                | "jsx_expression" => {
                    self.out.escapes = true;
                    return;
                }
                _ => return,
            }
        }
    }

    /// A value bound to a pattern: an identifier's uses, or the fields destructured.
    fn bind(&mut self, scope: Node<'_>, pattern: Node<'_>, kind: Kind, depth: u32) {
        match pattern.kind() {
            "identifier" => self.follow_var(scope, pattern, kind, depth),
            "object_pattern" if kind == Kind::Value => {
                let mut cursor = pattern.walk();
                for prop in pattern.named_children(&mut cursor) {
                    match prop.kind() {
                        "shorthand_property_identifier_pattern" => self.read(text(prop, self.src)),
                        "pair_pattern" => {
                            if let Some(key) = prop.child_by_field_name("key") {
                                let key = text(key, self.src).trim_matches(['"', '\'']).to_string();
                                self.read(&key);
                            }
                        }
                        "object_assignment_pattern" => {
                            if let Some(left) = prop.child_by_field_name("left") {
                                self.read(text(left, self.src));
                            }
                        }
                        _ => self.out.escapes = true, // `...rest` keeps the flag
                    }
                }
            }
            "array_pattern" if kind != Kind::Value => {
                let mut cursor = pattern.walk();
                let element = if kind == Kind::Settled {
                    Kind::Settled
                } else {
                    Kind::Value
                };
                let items: Vec<Node<'_>> = pattern.named_children(&mut cursor).collect();
                for item in items {
                    self.bind(scope, item, element, depth);
                }
            }
            // `for (const r of results)`: the declaration holds the pattern.
            "lexical_declaration" | "variable_declaration" => {
                let mut cursor = pattern.walk();
                let items: Vec<Node<'_>> = pattern.named_children(&mut cursor).collect();
                for item in items {
                    let target = item.child_by_field_name("name").unwrap_or(item);
                    self.bind(scope, target, kind, depth);
                }
            }
            _ => self.out.escapes = true,
        }
    }

    /// Every use of the variable bound at `binding`, inside `scope`.
    fn follow_var(&mut self, scope: Node<'_>, binding: Node<'_>, kind: Kind, depth: u32) {
        if depth >= MAX_FOLLOW {
            self.out.escapes = true;
            return;
        }
        let name = text(binding, self.src);
        // Depth-first with the path to the current node (for following uses upward).
        let mut path: Vec<Node<'_>> = Vec::new();
        let mut cursor = scope.walk();
        loop {
            let node = cursor.node();
            self.visited += 1;
            if self.visited > MAX_NODES {
                self.out.escapes = true;
                return;
            }
            let is_use = node != binding && text(node, self.src) == name;
            if is_use && node.kind() == "identifier" {
                path.push(node);
                self.follow_expr(&path, path.len() - 1, kind, depth + 1, false);
                path.pop();
            } else if is_use && node.kind() == "shorthand_property_identifier" {
                self.out.escapes = true;
            }
            if node.kind() != "string" && cursor.goto_first_child() {
                path.push(node);
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return;
                }
                path.pop();
                if path.is_empty() {
                    return;
                }
            }
        }
    }

    /// `xs.filter(r => …)`: follow the callback's `index`-th parameter as `kind`.
    fn callback_param(
        &mut self,
        path: &[Node<'_>],
        member_at: usize,
        index: usize,
        kind: Kind,
        depth: u32,
    ) {
        let Some(call) = member_at.checked_sub(1).map(|c| path[c]) else {
            return;
        };
        if call.kind() != "call_expression" {
            return;
        }
        let Some(callback) = call
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
        else {
            return;
        };
        if !is_function(callback.kind()) {
            // `xs.map(handle)`: the elements go to another function.
            self.out.escapes = true;
            return;
        }
        let param = if let Some(single) = callback.child_by_field_name("parameter") {
            (index == 0).then_some(single)
        } else {
            callback
                .child_by_field_name("parameters")
                .and_then(|p| p.named_child(index as u32))
                .map(|p| p.child_by_field_name("pattern").unwrap_or(p))
        };
        if let Some(param) = param {
            self.bind(callback, param, kind, depth);
        }
    }

    /// The value is returned from the function around `path[at]`.
    fn returned(&mut self, path: &[Node<'_>], at: usize, depth: u32) {
        let Some(function_at) = (0..=at).rev().find(|&i| is_function(path[i].kind())) else {
            self.out.escapes = true;
            return;
        };
        let mut parent = function_at;
        while parent > 0 && is_transparent(path[parent - 1].kind()) {
            parent -= 1;
        }
        if parent >= 2 && path[parent - 1].kind() == "arguments" {
            let call = path[parent - 2];
            let method = call
                .child_by_field_name("function")
                .and_then(|f| callee_path(f, self.src))
                .map(|c| last_segment(&c).to_string())
                .unwrap_or_default();
            match method.as_str() {
                // `ids.map(id => f(id))`: a collection of results.
                "map" | "flatMap" => {
                    return self.follow_expr(path, parent - 2, Kind::Collection, depth, false);
                }
                // `p.then(r => f(r))`: the chain's result.
                "then" => return self.follow_expr(path, parent - 2, Kind::Value, depth, false),
                _ => {}
            }
        }
        self.out.escapes = true;
        self.out.returned = true;
    }

    /// The value is an argument of the call at `path[call_at]`.
    fn passed(&mut self, path: &[Node<'_>], call_at: usize, depth: u32) {
        let call = path[call_at];
        let callee = call
            .child_by_field_name("function")
            .and_then(|f| callee_path(f, self.src))
            .unwrap_or_default();
        match callee.as_str() {
            "Promise.all" => self.follow_expr(path, call_at, Kind::Collection, depth, false),
            "Promise.allSettled" => self.follow_expr(path, call_at, Kind::Settled, depth, false),
            "Promise.race" | "Promise.any" => {
                self.follow_expr(path, call_at, Kind::Value, depth, false)
            }
            _ => self.out.escapes = true,
        }
    }
}

fn scope_of<'t>(path: &[Node<'t>], at: usize) -> Node<'t> {
    path[..at]
        .iter()
        .rev()
        .find(|n| is_function(n.kind()) || n.kind() == "statement_block")
        .copied()
        .unwrap_or(path[0])
}

fn span_of(node: Node<'_>) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}
