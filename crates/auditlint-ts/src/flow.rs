//! Where a call's result goes, for audit flags: which fields are read on it (or on the elements
//! of a collection of results), whether it escapes whole, or whether it is dropped.
//!
//! Follows the value upward through `await`, `Promise.all/allSettled`, `map` callbacks and
//! `for … of` loops, and into the uses of the variables it is bound to (the variable's scope
//! is searched with the path of its ancestors, so a `return r` inside a `map` callback is
//! followed out to the `map`). Each step is bounded (`MAX_FOLLOW` levels of variables,
//! `MAX_NODES` visited), so no input makes it deep or slow.

use crate::syntax::{Field, NodeKind};
use foldhash::{HashMap, HashMapExt};
use std::cell::RefCell;
use std::rc::Rc;

use auditlint_core::Span;
use auditlint_core::facts::ResultUse;
use tree_sitter::Node;

use crate::syntax::{callee_path, is_function, is_transparent, nth_named, string_text, text};

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

pub(crate) struct Flow<'s, 'i, 't> {
    src: &'s str,
    visited: usize,
    out: ResultUse,
    /// The identifiers of the scopes followed so far in this file.
    uses: &'i Uses<'t>,
    usesrc: &'t str,
}

/// The identifiers of a file by name, in the order a walk meets them, and where each scope (a
/// function, a block, a `for … of` loop, the program) starts and ends in that order: built by
/// one walk of the file the first time a variable is followed, then shared by every variable
/// followed in it, whatever scope it lives in — so following variables costs the file one walk,
/// not one walk per scope (nested scopes used to be walked once each, and again inside every
/// scope around them).
///
/// Positions count every node (named or not) of a preorder walk that does not enter string
/// literals — the walk the per-variable search used to do from its scope — so the `MAX_NODES`
/// budget is spent exactly as before: the positions inside a scope are the scope's own
/// numbering shifted by where the scope starts.
pub(crate) struct ScopeUses<'t> {
    /// Name → (preorder position, node, is a shorthand property `{ name }`).
    by_name: HashMap<&'t str, Vec<(u32, Node<'t>, bool)>>,
    /// Scope node id → its preorder position and the position after its last descendant.
    scopes: HashMap<usize, (u32, u32)>,
}

/// The file's [`ScopeUses`], once a variable was followed; a scope the file-wide walk did not
/// number (none is expected) gets a walk of its own, kept by its node id.
pub(crate) struct Uses<'t> {
    /// The main walk's nodes in preorder, with their depths: the file's numbering is made from
    /// them, no walk of its own — unless the main walk stopped at the depth limit (`whole` is
    /// false): then the numbering walks the file, as it reaches below that limit.
    preorder: Vec<(Node<'t>, usize)>,
    whole: bool,
    file: RefCell<Option<Rc<ScopeUses<'t>>>>,
    own: RefCell<HashMap<usize, Rc<ScopeUses<'t>>>>,
}

impl<'t> Uses<'t> {
    /// `preorder` is the main walk's nodes; `whole` says the walk reached every node.
    pub(crate) fn new(preorder: Vec<(Node<'t>, usize)>, whole: bool) -> Self {
        Self {
            preorder,
            whole,
            file: RefCell::default(),
            own: RefCell::default(),
        }
    }

    /// The main walk's nodes, in preorder with their depths.
    pub(crate) fn preorder(&self) -> &[(Node<'t>, usize)] {
        &self.preorder
    }
}

/// Nodes a variable can be followed in (see `scope_at`, `callback_param`, `for … of`).
fn is_scope(kind: &str) -> bool {
    is_function(kind) || matches!(kind, "statement_block" | "program" | "for_in_statement")
}

impl<'t> ScopeUses<'t> {
    /// The numbering of a walk of `root` alone that enters everything but strings.
    fn build(root: Node<'t>, src: &'t str) -> Self {
        let mut preorder = Vec::new();
        auditlint_core::tree::walk_preorder(
            root,
            usize::MAX,
            |node| node.node_kind() == "string",
            |node, stack| preorder.push((node, stack.len())),
        );
        Self::number(&preorder, src, false)
    }

    /// [`ScopeUses::build`] of the file from the main walk's nodes in preorder (`preorder[0]` is
    /// the file's root). The main walk does not enter strings, comments and regular expressions;
    /// the numbering enters comments and regular expressions, whose nodes are never identifiers
    /// nor scopes: they are counted, not visited.
    fn from_preorder(preorder: &[(Node<'t>, usize)], src: &'t str) -> Self {
        Self::number(preorder, src, true)
    }

    /// Numbers `preorder`; `unentered` says comments and regular expressions were not entered
    /// (their nodes are counted from them).
    fn number(preorder: &[(Node<'t>, usize)], src: &'t str, unentered: bool) -> Self {
        let mut uses = ScopeUses {
            by_name: HashMap::new(),
            scopes: HashMap::new(),
        };
        let mut nodes: u32 = 0;
        // Scopes entered and not yet left: (node id, position, depth).
        let mut open: Vec<(usize, u32, usize)> = Vec::new();
        for &(node, depth) in preorder {
            // Everything at this depth or below was numbered: those scopes end here.
            while let Some(&(id, start, _)) = open.last().filter(|o| o.2 >= depth) {
                uses.scopes.insert(id, (start, nodes));
                open.pop();
            }
            let at = nodes;
            nodes += 1;
            let kind = node.node_kind();
            if kind == "identifier" || kind == "shorthand_property_identifier" {
                uses.by_name.entry(text(node, src)).or_default().push((
                    at,
                    node,
                    kind == "shorthand_property_identifier",
                ));
            } else if depth == 0 || is_scope(kind) {
                open.push((node.id(), at, depth));
            } else if unentered && matches!(kind, "regex" | "comment") {
                nodes += u32::try_from(node.descendant_count().saturating_sub(1)).unwrap_or(0);
            }
        }
        while let Some((id, start, _)) = open.pop() {
            uses.scopes.insert(id, (start, nodes));
        }
        uses
    }

    /// The uses in the scope `root` of the file whose root is `file_root`, and where the scope
    /// starts and ends in their numbering.
    fn of<'u>(
        uses: &'u Uses<'t>,
        file_root: Node<'t>,
        root: Node<'t>,
        src: &'t str,
    ) -> (Rc<Self>, u32, u32) {
        let file = uses
            .file
            .borrow_mut()
            .get_or_insert_with(|| {
                Rc::new(match uses.preorder.first() {
                    Some(&(first, _)) if uses.whole && first == file_root => {
                        Self::from_preorder(&uses.preorder, src)
                    }
                    _ => Self::build(file_root, src),
                })
            })
            .clone();
        if let Some(&(start, end)) = file.scopes.get(&root.id()) {
            return (file, start, end);
        }
        let own = uses
            .own
            .borrow_mut()
            .entry(root.id())
            .or_insert_with(|| Rc::new(Self::build(root, src)))
            .clone();
        let end = own.scopes.get(&root.id()).map_or(1, |&(_, end)| end);
        (own, 0, end)
    }
}

/// Array methods: called on a value, they say it is a collection of results (a producer that
/// passes on `Promise.all(…)` returns one; the front end cannot tell it from a single result).
const ARRAY_METHODS: &[&str] = &[
    "filter",
    "slice",
    "sort",
    "reverse",
    "concat",
    "toSorted",
    "toReversed",
    "find",
    "findLast",
    "at",
    "pop",
    "shift",
    "map",
    "flatMap",
    "forEach",
    "some",
    "every",
    "findIndex",
    "findLastIndex",
    "reduce",
    "reduceRight",
];

/// How the result of the call at the end of `path` is used.
pub(crate) fn result_use<'t>(src: &'t str, uses: &Uses<'t>, path: &[Node<'t>]) -> ResultUse {
    follow(src, uses, path, Kind::Value)
}

/// How the elements of the collection made by the call at the end of `path` are used.
pub(crate) fn collection_use<'t>(src: &'t str, uses: &Uses<'t>, path: &[Node<'t>]) -> ResultUse {
    follow(src, uses, path, Kind::Collection)
}

fn follow<'t>(src: &'t str, uses: &Uses<'t>, path: &[Node<'t>], kind: Kind) -> ResultUse {
    let top = path.len() - 1;
    let mut flow = Flow {
        src,
        uses,
        usesrc: src,
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

impl<'t> Flow<'_, '_, 't> {
    fn read(&mut self, field: &str) {
        self.out.fields.push(field.to_string());
    }

    /// Follows the value of `path[at]` upward. `top`: the value is still the call's own result
    /// (or the collection made directly from it), not a variable holding it: where it is bound
    /// or dropped is where a finding points.
    fn follow_expr(
        &mut self,
        path: &[Node<'t>],
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
            let field = |name: &str| parent.field(name) == Some(child);
            match parent.node_kind() {
                k if is_transparent(k) || k == "await_expression" => at = parent_at,
                "ternary_expression" if !field("condition") => at = parent_at,
                "ternary_expression" | "if_statement" | "while_statement" | "do_statement"
                    if field("condition") =>
                {
                    self.out.tested = true;
                    return;
                }
                "binary_expression" => {
                    let operator = parent.field("operator").map_or("", |o| text(o, self.src));
                    match operator {
                        "in" if field("right") => {
                            if let Some(left) = parent.field("left")
                                && left.node_kind() == "string"
                            {
                                let name = string_text(left, self.src).to_string();
                                self.read(&name);
                            }
                            return;
                        }
                        "&&" | "||" | "??" => at = parent_at,
                        "===" | "!==" | "==" | "!=" | "instanceof" => {
                            self.out.tested = true;
                            return;
                        }
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
                    let operator = parent.field("operator").map_or("", |o| text(o, self.src));
                    match operator {
                        "void" if top => self.out.dropped = true,
                        "!" | "typeof" => self.out.tested = true,
                        _ => {}
                    }
                    return;
                }
                "variable_declarator" if field("value") => {
                    if top {
                        self.out.span = span_of(child);
                    }
                    let Some(name) = parent.field("name") else {
                        return;
                    };
                    let scope = scope_at(path, parent_at);
                    self.bind(&path[..=scope], name, kind, depth);
                    return;
                }
                "return_statement" => {
                    self.returned(path, parent_at, kind, depth);
                    return;
                }
                "arrow_function" if field("body") => {
                    self.returned(path, at, kind, depth);
                    return;
                }
                "arguments" => {
                    self.passed(path, parent_at.saturating_sub(1), kind, depth);
                    return;
                }
                "array" => {
                    if parent_at >= 2 && path[parent_at - 1].node_kind() == "arguments" {
                        self.passed(path, parent_at - 2, kind, depth);
                    } else {
                        self.out.escapes = true;
                    }
                    return;
                }
                "member_expression" if field("object") => {
                    let property = parent
                        .field("property")
                        .map_or("", |p| text(p, self.src))
                        .to_string();
                    let called = parent_at.checked_sub(1).map(|c| path[c]).is_some_and(|c| {
                        c.node_kind() == "call_expression" && c.field("function") == Some(parent)
                    });
                    match property.as_str() {
                        // `p.then(r => …)`: the callback receives the value.
                        "then" => {
                            self.callback_param(path, parent_at, 0, kind, depth);
                            return;
                        }
                        // `p.catch(…)`, `p.finally(…)`: still the value (or the handler's).
                        "catch" | "finally" if called => {
                            at = parent_at - 1;
                            continue;
                        }
                        _ => {}
                    }
                    if kind == Kind::Value {
                        if !(called && ARRAY_METHODS.contains(&property.as_str())) {
                            self.read(&property);
                            return;
                        }
                        // `(await runAll(ids)).filter(…)`: a collection of results after all.
                        kind = Kind::Collection;
                    }
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
                        "filter" | "sort" | "toSorted" => {
                            self.callback_param(path, parent_at, 0, element, depth);
                            at = parent_at.saturating_sub(1);
                        }
                        "slice" | "reverse" | "concat" | "toReversed" => {
                            at = parent_at.saturating_sub(1);
                        }
                        "find" | "findLast" => {
                            self.callback_param(path, parent_at, 0, element, depth);
                            at = parent_at.saturating_sub(1);
                            kind = element;
                        }
                        "at" | "pop" | "shift" => {
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
                        // `length`, `status`, `reason`, …: not a result's field.
                        _ => return,
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
                            && grand.node_kind() == "member_expression"
                            && grand
                                .field("property")
                                .is_some_and(|p| text(p, self.src) == "value")
                        {
                            at = parent_at - 1;
                            kind = Kind::Value;
                        }
                    }
                    Kind::Value => {
                        // `r["audit_logged"]` reads a field; `r[key]` could read any.
                        match parent.field("index") {
                            Some(index) if index.node_kind() == "string" => {
                                let name = string_text(index, self.src).to_string();
                                self.read(&name);
                            }
                            _ => self.out.escapes = true,
                        }
                        return;
                    }
                },
                "for_in_statement" if field("right") => {
                    let of = parent
                        .field("operator")
                        .is_some_and(|o| text(o, self.src) == "of");
                    // `for (const k in results)` walks keys, not results.
                    if of && let Some(left) = parent.field("left") {
                        // A value iterated is a collection of results after all.
                        let element = if kind == Kind::Settled {
                            Kind::Settled
                        } else {
                            Kind::Value
                        };
                        self.bind(&path[..=parent_at], left, element, depth);
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

    /// A value bound to a pattern: an identifier's uses, or the fields destructured. `scope` is
    /// the path from the root to the node the binding is visible in.
    fn bind(&mut self, scope: &[Node<'t>], pattern: Node<'t>, kind: Kind, depth: u32) {
        if depth >= MAX_FOLLOW {
            self.out.escapes = true;
            return;
        }
        match pattern.node_kind() {
            "identifier" => self.follow_var(scope, pattern, kind, depth),
            "object_pattern" if kind == Kind::Value => {
                let mut cursor = pattern.walk();
                for prop in pattern.named_children(&mut cursor) {
                    match prop.node_kind() {
                        "shorthand_property_identifier_pattern" => self.read(text(prop, self.src)),
                        "pair_pattern" => {
                            if let Some(key) = prop.field("key") {
                                let key = text(key, self.src).trim_matches(['"', '\'']).to_string();
                                self.read(&key);
                            }
                        }
                        "object_assignment_pattern" => {
                            if let Some(left) = prop.field("left") {
                                self.read(text(left, self.src));
                            }
                        }
                        "comment" => {}
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
                let items: Vec<Node<'t>> = pattern.named_children(&mut cursor).collect();
                for item in items {
                    self.bind(scope, item, element, depth + 1);
                }
            }
            // `for (const r of results)`: the declaration holds the pattern.
            "lexical_declaration" | "variable_declaration" => {
                let mut cursor = pattern.walk();
                let items: Vec<Node<'t>> = pattern.named_children(&mut cursor).collect();
                for item in items {
                    let target = item.field("name").unwrap_or(item);
                    self.bind(scope, target, kind, depth + 1);
                }
            }
            "comment" => {}
            _ => self.out.escapes = true,
        }
    }

    /// Every use of the variable bound at `binding`, inside the last node of `scope` (the path
    /// from the root to it, so uses are followed out of it), in the order a walk meets them.
    fn follow_var(&mut self, scope: &[Node<'t>], binding: Node<'t>, kind: Kind, depth: u32) {
        if depth >= MAX_FOLLOW {
            self.out.escapes = true;
            return;
        }
        let Some((&root, ancestors)) = scope.split_last() else {
            return;
        };
        let name = text(binding, self.src);
        // Copying the ancestors is work too: it counts against the budget.
        self.visited += ancestors.len();
        let file_root = scope[0];
        let (uses, start, end) = ScopeUses::of(self.uses, file_root, root, self.usesrc);
        let candidates = uses.by_name.get(name).map_or(&[][..], Vec::as_slice);
        // The root is counted first, at position `start`.
        let first = candidates.partition_point(|&(at, _, _)| at <= start);
        let mut counted = start;
        self.visited += 1;
        if self.visited > MAX_NODES {
            self.out.escapes = true;
            return;
        }
        let mut path: Vec<Node<'t>> = Vec::new();
        for &(at, node, shorthand) in &candidates[first..] {
            if at >= end {
                break;
            }
            self.visited += (at - counted) as usize;
            counted = at;
            if self.visited > MAX_NODES {
                self.out.escapes = true;
                return;
            }
            if node == binding {
                continue;
            }
            if shorthand {
                self.out.escapes = true;
                continue;
            }
            // The path from the root down to the use, after the scope's ancestors.
            path.clear();
            path.extend_from_slice(ancestors);
            let mut at_node = root;
            path.push(root);
            while at_node != node {
                let Some(child) = at_node.child_with_descendant(node) else {
                    break;
                };
                path.push(child);
                at_node = child;
            }
            self.follow_expr(&path, path.len() - 1, kind, depth + 1, false);
        }
        self.visited += (end - 1 - counted) as usize;
        if self.visited > MAX_NODES {
            self.out.escapes = true;
        }
    }

    /// `xs.filter(r => …)`: follow the callback's `index`-th parameter as `kind`.
    fn callback_param(
        &mut self,
        path: &[Node<'t>],
        member_at: usize,
        index: usize,
        kind: Kind,
        depth: u32,
    ) {
        let Some(call) = member_at.checked_sub(1).map(|c| path[c]) else {
            return;
        };
        if call.node_kind() != "call_expression" {
            return;
        }
        let Some(arguments) = call.field("arguments") else {
            return;
        };
        let Some(callback) = nth_named(arguments, 0) else {
            return;
        };
        if !is_function(callback.node_kind()) {
            // `xs.map(handle)`: the elements go to another function.
            self.out.escapes = true;
            return;
        }
        let param = if let Some(single) = callback.field("parameter") {
            (index == 0).then_some(single)
        } else {
            callback
                .field("parameters")
                .and_then(|p| nth_named(p, index))
                .map(|p| p.field("pattern").unwrap_or(p))
        };
        if let Some(param) = param {
            let mut scope = path[..member_at].to_vec();
            scope.extend([arguments, callback]);
            self.bind(&scope, param, kind, depth);
        }
    }

    /// The value (of kind `kind`) is returned from the function around `path[at]`.
    fn returned(&mut self, path: &[Node<'t>], at: usize, kind: Kind, depth: u32) {
        let Some(function_at) = (0..=at).rev().find(|&i| is_function(path[i].node_kind())) else {
            self.out.escapes = true;
            return;
        };
        let parent = crate::syntax::skip_transparent_up(path, function_at);
        if parent >= 2 && path[parent - 1].node_kind() == "arguments" {
            let method = crate::syntax::method_name(path[parent - 2], self.src);
            match method.as_str() {
                // `ids.map(id => f(id))`: a collection of results.
                "map" | "flatMap" => {
                    return self.follow_expr(path, parent - 2, Kind::Collection, depth, false);
                }
                // `p.then(r => f(r))`: the chain's result.
                "then" => return self.follow_expr(path, parent - 2, kind, depth, false),
                // `ids.forEach(id => f(id))`: what the callback returns is thrown away.
                "forEach" => {
                    self.out.dropped = true;
                    return;
                }
                _ => {}
            }
        }
        self.out.escapes = true;
        self.out.returned = true;
    }

    /// The value (of kind `kind`) is an argument of the call at `path[call_at]`.
    fn passed(&mut self, path: &[Node<'t>], call_at: usize, kind: Kind, depth: u32) {
        let call = path[call_at];
        let callee = call
            .field("function")
            .and_then(|f| callee_path(f, self.src))
            .unwrap_or_default();
        match callee.as_str() {
            "Promise.all" => self.follow_expr(path, call_at, Kind::Collection, depth, false),
            "Promise.allSettled" => self.follow_expr(path, call_at, Kind::Settled, depth, false),
            "Promise.race" | "Promise.any" => {
                self.follow_expr(path, call_at, Kind::Value, depth, false)
            }
            _ => match callee.rsplit_once('.') {
                // `out.push(r)`: a local array of results.
                Some((array, "push" | "unshift")) if kind == Kind::Value => {
                    match self.local_binding(path, call_at, array) {
                        Some((scope_at, binding)) => self.follow_var(
                            &path[..=scope_at],
                            binding,
                            Kind::Collection,
                            depth + 1,
                        ),
                        None => self.out.escapes = true,
                    }
                }
                _ => self.out.escapes = true,
            },
        }
    }

    /// The declaration of `name` as a local variable of a function around `path[at]`: the index in
    /// `path` of the block declaring it, and the declared identifier. `None` for a parameter, a
    /// module-level variable (an outer variable: the results escape) or anything not found.
    fn local_binding(
        &mut self,
        path: &[Node<'t>],
        at: usize,
        name: &str,
    ) -> Option<(usize, Node<'t>)> {
        let src = self.src;
        if name.contains(['.', '[', '(']) {
            return None;
        }
        for i in (0..at).rev() {
            let node = path[i];
            if node.node_kind() == "program" {
                return None;
            }
            if is_function(node.node_kind()) {
                // A parameter of an enclosing function: it belongs to that function's caller.
                let params = node.field("parameters").or_else(|| node.field("parameter"));
                let mut stack: Vec<Node<'t>> = params.into_iter().collect();
                while let Some(param) = stack.pop() {
                    self.visited += 1;
                    if self.visited > MAX_NODES {
                        return None;
                    }
                    if matches!(
                        param.node_kind(),
                        "identifier" | "shorthand_property_identifier_pattern"
                    ) && text(param, src) == name
                    {
                        return None;
                    }
                    let mut cursor = param.walk();
                    stack.extend(param.named_children(&mut cursor));
                }
                continue;
            }
            if node.node_kind() != "statement_block" {
                continue;
            }
            let mut cursor = node.walk();
            for statement in node.named_children(&mut cursor) {
                self.visited += 1;
                if self.visited > MAX_NODES {
                    return None;
                }
                if !matches!(
                    statement.node_kind(),
                    "lexical_declaration" | "variable_declaration"
                ) {
                    continue;
                }
                let mut inner = statement.walk();
                for declarator in statement.named_children(&mut inner) {
                    if let Some(id) = declarator.field("name")
                        && id.node_kind() == "identifier"
                        && text(id, src) == name
                    {
                        return Some((i, id));
                    }
                }
            }
        }
        None
    }
}

/// The index in `path` of the innermost function or block around `path[at]` (the root if none).
fn scope_at(path: &[Node<'_>], at: usize) -> usize {
    (0..at)
        .rev()
        .find(|&i| is_function(path[i].node_kind()) || path[i].node_kind() == "statement_block")
        .unwrap_or(0)
}

fn span_of(node: Node<'_>) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbering made from the main walk's nodes (which does not enter strings, comments
    /// and regular expressions) is the numbering of the file's own walk: every scope, every
    /// identifier, every position.
    #[test]
    fn numbering_from_the_main_walk_is_the_files_own() {
        let src = "const re = /a(b)+[c-d]/gi; // note\nfunction g(x) { const r = h(x, \"s\", /x/); for (const y of r) { if (y.ok) { a.push(`${y} ${/z+/.test(y)}`); } } /* c */ return r.map((z) => z.v); }\nclass C { m() { const q = 'a string'; { let a = q; } return () => { const w = a, v = /q/; }; } }\n";
        let tree = crate::test_tree(src);
        let root = tree.root_node();
        let mut preorder = Vec::new();
        auditlint_core::tree::walk_preorder(
            root,
            1_000,
            |n| {
                matches!(
                    n.node_kind(),
                    "string" | "string_fragment" | "comment" | "regex"
                )
            },
            |n, stack| preorder.push((n, stack.len())),
        );
        let walked = ScopeUses::build(root, src);
        let made = ScopeUses::from_preorder(&preorder, src);
        assert!(walked.scopes.len() >= 8, "{}", walked.scopes.len());
        assert_eq!(made.scopes, walked.scopes);
        assert_eq!(made.by_name, walked.by_name);
    }

    /// The file-wide numbering, shifted by where a scope starts, is the numbering a walk of that
    /// scope alone gives: every scope, every identifier, and the scope's size.
    #[test]
    fn file_wide_positions_are_each_scopes_own() {
        let src = "const a = f();\nfunction g(x) { const r = h(x); for (const y of r) { if (y.ok) { a.push(`${y}`); } } return r.map((z) => z.v); }\nclass C { m() { const q = 'a string'; { let a = q; } return () => { const w = a; }; } }\n";
        let tree = crate::test_tree(src);
        let file = ScopeUses::build(tree.root_node(), src);
        let mut scopes = 0;
        let mut cursor = tree.walk();
        loop {
            let node = cursor.node();
            if is_scope(node.node_kind()) {
                scopes += 1;
                let own = ScopeUses::build(node, src);
                let (start, end) = file.scopes[&node.id()];
                assert_eq!(own.scopes[&node.id()], (0, end - start), "{node:?}");
                for (name, uses) in &own.by_name {
                    let shifted: Vec<(u32, Node<'_>, bool)> = file.by_name[name]
                        .iter()
                        .filter(|(at, _, _)| (start..end).contains(at))
                        .map(|&(at, n, s)| (at - start, n, s))
                        .collect();
                    assert_eq!(&shifted, uses, "{name} in {node:?}");
                }
            }
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    assert!(scopes >= 8, "{scopes}");
                    return;
                }
            }
        }
    }
}
