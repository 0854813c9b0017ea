//! The Python front end: one file's text → [`FileFacts`].
//!
//! One tree-sitter parse (tree-sitter-python), then iterative walks only (a cursor and explicit
//! stacks): no input can overflow the stack. Nesting deeper than [`MAX_DEPTH`] is not analysed
//! and is reported through [`FileFacts::truncated_at_depth`]; the parse stops at the file's
//! [`ParseDeadline`]; syntax errors are recorded in [`FileFacts::syntax_errors`] and the facts
//! cover what did parse.
//!
//! Python raises as JavaScript throws: `try/except` clauses are catch clauses, `raise` rethrows,
//! `await` turns a coroutine's failure into a raise, and a coroutine or task nobody awaits floats.

mod effects;
mod ops;
mod summary;
mod syntax;

use std::cell::RefCell;
use std::collections::HashMap;

use auditlint_core::Span;
use auditlint_core::budget::ParseDeadline;
use auditlint_core::facts::{
    Binding, BindingSource, FileFacts, FnId, Function, Import, Imported, Language, TableObject,
    TypeDecl,
};
use tree_sitter::{Node, Parser, Tree};

use crate::syntax::{Field, Kind};

use crate::syntax::{
    annotation_class, callee_path, first_positional, is_class_name, keyword_names, plain_string,
    string_value, text, type_names, unwrap_expr,
};

/// Deeper nesting than this is cut off (and reported): real code stays far below it.
pub const MAX_DEPTH: usize = 1_000;

/// Function bodies larger than this are not summarised as helpers (`report_failure(err)`).
const MAX_HANDLER_FUNCTION_BYTES: usize = 4_000;

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Why a file was not analysed.
pub type ExtractError = auditlint_core::tree::ParseFailure;

/// Is this a Python file (`.py`, `.pyi`)?
pub fn is_python(path: &str) -> bool {
    Language::of_path(path) == Some(Language::Python)
}

fn parse(source: &str, deadline: &ParseDeadline) -> Result<Tree, ExtractError> {
    auditlint_core::tree::on_parse_stack(source, "auditlint-python-parse", || {
        PARSER.with(|cell| {
            auditlint_core::tree::parse_until(
                &mut cell.borrow_mut(),
                &tree_sitter_python::LANGUAGE.into(),
                source,
                None,
                deadline,
            )
        })
    })
}

/// Parses `source` and extracts its facts, within the parse time limit of its size.
pub fn extract(source: &str) -> Result<FileFacts, ExtractError> {
    let deadline = ParseDeadline::start(source.len());
    let tree = parse(source, &deadline)?;
    let mut extractor = Extractor {
        src: source,
        facts: FileFacts::default(),
        fn_ids: HashMap::new(),
        consts: HashMap::new(),
        models: HashMap::new(),
        catch_effects: HashMap::new(),
        uses: HashMap::new(),
        pending_uses: Vec::new(),
        http_checks: Vec::new(),
        has_errors: tree.root_node().has_error(),
    };
    extractor.module_constants(tree.root_node());
    extractor.walk(tree.root_node());
    extractor.resolve_pending_uses();
    Ok(extractor.facts)
}

pub(crate) struct Extractor<'s> {
    pub(crate) src: &'s str,
    pub(crate) facts: FileFacts,
    /// Function node id → its index in `facts.functions`.
    pub(crate) fn_ids: HashMap<usize, FnId>,
    /// `INSERT_AUDIT = "INSERT INTO audit_log …"`, `sql = f"…"`: string values by name.
    pub(crate) consts: HashMap<String, String>,
    /// `entry = AuditLog(..)`, `stmt = insert(audit_log).values(..)`: the model or table
    /// object a local name holds, by (function, name).
    pub(crate) models: HashMap<(Option<FnId>, String), ops::Target>,
    /// Except clause node id → what its body does.
    pub(crate) catch_effects: HashMap<usize, auditlint_core::facts::Effects>,
    /// Every use of every identifier, by name (see [`ops::PendingUse`]).
    pub(crate) uses: HashMap<String, Vec<ops::UseRecord>>,
    /// Result uses of assigned calls, resolved after the walk.
    pub(crate) pending_uses: Vec<ops::PendingUse>,
    /// HTTP sinks whose value check waits for their result use: (op index, the chain reads
    /// the status).
    pub(crate) http_checks: Vec<(usize, bool)>,
    /// The tree has an error or a missing node somewhere (else no node is asked).
    pub(crate) has_errors: bool,
}

impl<'s> Extractor<'s> {
    /// Module-level string constants, before the walk: a call may use one declared below it.
    fn module_constants(&mut self, root: Node<'_>) {
        let mut cursor = root.walk();
        for statement in root.named_children(&mut cursor) {
            if statement.k() != "expression_statement" {
                continue;
            }
            let Some(assignment) = statement.named_child(0) else {
                continue;
            };
            self.string_constant(assignment);
        }
    }

    /// `NAME = "…"`: remembered for `cursor.execute(NAME)`.
    fn string_constant(&mut self, assignment: Node<'_>) {
        if assignment.k() != "assignment" {
            return;
        }
        let (Some(left), Some(right)) = (assignment.field("left"), assignment.field("right"))
        else {
            return;
        };
        if left.k() != "identifier" {
            return;
        }
        if let Some(value) = string_value(right, self.src, &self.consts) {
            self.consts.insert(text(left, self.src).to_string(), value);
        }
    }

    /// The one walk, with the ancestors of the current node on an explicit stack. Function
    /// bodies are summarised from its nodes (see [`summary`]).
    fn walk<'t>(&mut self, root: Node<'t>)
    where
        's: 't,
    {
        let src = self.src;
        let mut summaries = summary::Summaries::default();
        let leaf =
            |node: Node<'_>| matches!(node.k(), "string" | "comment" | "concatenated_string");
        let truncated =
            auditlint_core::tree::walk_preorder(root, MAX_DEPTH, leaf, |node, stack| {
                summaries.enter(node, stack.len(), src, &mut self.facts.functions);
                self.visit(node, stack, &mut summaries);
                if leaf(node) && summaries.inside_body() && summary::leaf_has_inside(node, src) {
                    summary::enter_leaf(
                        &mut summaries,
                        node,
                        stack.len(),
                        src,
                        &mut self.facts.functions,
                    );
                }
            });
        summaries.finish(src, &mut self.facts.functions);
        if truncated {
            self.facts.truncated_at_depth = Some(MAX_DEPTH as u32);
        }
    }

    fn visit<'t>(
        &mut self,
        node: Node<'t>,
        stack: &[Node<'t>],
        summaries: &mut summary::Summaries<'t>,
    ) where
        's: 't,
    {
        if self.has_errors
            && (node.is_error() || node.is_missing())
            && self.facts.syntax_errors.len() < 100
        {
            self.facts
                .syntax_errors
                .push(Span::new(node.start_byte(), node.end_byte()));
        }
        match node.k() {
            "function_definition" => self.function(node, stack, summaries),
            "class_definition" => self.class(node),
            "call" => self.operation(node, stack),
            "return_statement" => self.returned(node, stack),
            "import_statement" | "import_from_statement" => self.import(node),
            "assignment" => self.assignment(node, stack),
            "typed_parameter" | "typed_default_parameter" => self.typed_parameter(node, stack),
            "identifier" => self.record_use(node, stack),
            _ => {}
        }
    }

    /// The innermost function around the current node.
    pub(crate) fn innermost_fn(&self, stack: &[Node<'_>]) -> Option<FnId> {
        stack
            .iter()
            .rev()
            .find(|n| n.k() == "function_definition")
            .and_then(|n| self.fn_ids.get(&n.id()).copied())
    }

    fn function<'t>(
        &mut self,
        node: Node<'t>,
        stack: &[Node<'t>],
        summaries: &mut summary::Summaries<'t>,
    ) {
        let src = self.src;
        let name = node.field("name").map(|n| text(n, src).to_string());
        // A method: the nearest enclosing definition is a class.
        let class = stack
            .iter()
            .rev()
            .find(|n| matches!(n.k(), "function_definition" | "class_definition"))
            .filter(|n| n.k() == "class_definition")
            .and_then(|n| n.field("name"))
            .map(|n| text(n, src).to_string());
        let span = node
            .field("name")
            .map_or(Span::new(node.start_byte(), node.start_byte()), |n| {
                Span::new(n.start_byte(), n.end_byte())
            });
        let is_async = {
            let mut cursor = node.walk();
            node.children(&mut cursor).any(|c| c.k() == "async")
        };
        let mut locals = Vec::new();
        let mut params = parameter_names(node, src);
        // `self` and `cls` are never a project function's name; the other parameters shadow.
        let first_param = params.iter().find(|p| *p != "self" && *p != "cls").cloned();
        params.retain(|p| p != "self" && p != "cls");
        // The names the body binds, and for a named function small enough to be a helper what
        // it does: summarised from the main walk's nodes once it has left the body.
        let body = node.field("body");
        let summarise = body.map(|body| {
            let effects = body.byte_range().len() <= MAX_HANDLER_FUNCTION_BYTES && name.is_some();
            (body, effects)
        });
        if summarise.is_none() {
            locals = params;
            params = Vec::new();
        }
        let (return_type_names, return_type_fields) = node
            .field("return_type")
            .map(|t| (type_names(t, src), Vec::new()))
            .unwrap_or_default();
        let parent = self.innermost_fn(stack);
        let id = self.facts.functions.len() as FnId;
        self.fn_ids.insert(node.id(), id);
        self.facts.functions.push(Function {
            name,
            class,
            span,
            is_async,
            returned_fields: Vec::new(),
            return_type_names,
            return_type_fields,
            effects: None,
            parent,
            locals,
            implements: None,
            member_of: None,
            keyed: false,
        });
        if let Some((body, effects)) = summarise {
            summaries.start(id, body, effects, first_param, params);
        }
    }

    /// Classes: declared fields (dataclasses, `TypedDict`, Pydantic models, `NamedTuple`), and
    /// the table an ORM model maps to (`__tablename__ = "audit_log"`, Django's
    /// `class Meta: db_table = "audit_log"`).
    fn class(&mut self, node: Node<'_>) {
        let src = self.src;
        let Some(name) = node.field("name").map(|n| text(n, src)) else {
            return;
        };
        let Some(body) = node.field("body") else {
            return;
        };
        let mut fields = Vec::new();
        let mut table = None;
        let mut cursor = body.walk();
        for statement in body.named_children(&mut cursor) {
            match statement.k() {
                "expression_statement" => {
                    let Some(assignment) = statement.named_child(0) else {
                        continue;
                    };
                    if assignment.k() != "assignment" {
                        continue;
                    }
                    let Some(left) = assignment.field("left") else {
                        continue;
                    };
                    if left.k() != "identifier" {
                        continue;
                    }
                    let field = text(left, src);
                    if field == "__tablename__" {
                        table = assignment.field("right").and_then(|r| plain_string(r, src));
                    } else if assignment.field("type").is_some()
                        || assignment
                            .field("right")
                            .is_some_and(|r| is_field_call(r, src))
                    {
                        fields.push((
                            field.to_string(),
                            Span::new(left.start_byte(), left.end_byte()),
                        ));
                    }
                }
                "class_definition" => {
                    // Django: `class Meta: db_table = "audit_log"`.
                    if statement
                        .field("name")
                        .is_some_and(|n| text(n, src) == "Meta")
                        && let Some(meta) = statement.field("body")
                    {
                        let mut c = meta.walk();
                        for item in meta.named_children(&mut c) {
                            let Some(assignment) = item.named_child(0) else {
                                continue;
                            };
                            if assignment.k() == "assignment"
                                && assignment
                                    .field("left")
                                    .is_some_and(|l| text(l, src) == "db_table")
                            {
                                table =
                                    assignment.field("right").and_then(|r| plain_string(r, src));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(table) = table {
            self.facts.table_objects.push(TableObject {
                name: name.to_string(),
                table,
                span: Span::new(node.start_byte(), node.end_byte()),
            });
        }
        let names = node
            .field("superclasses")
            .map(|s| type_names(s, src))
            .unwrap_or_default();
        if !fields.is_empty() || !names.is_empty() {
            self.facts.types.push(TypeDecl {
                name: name.to_string(),
                fields,
                names,
            });
        }
    }

    /// `return {"upgraded": True, "audit_logged": ok}`, `return dict(audit_logged=ok)`,
    /// `return TierResult(upgraded=True, audit_logged=ok)`: the keys a function returns.
    fn returned<'t>(&mut self, node: Node<'t>, stack: &[Node<'t>]) {
        let Some(func) = self.innermost_fn(stack) else {
            return;
        };
        let Some(value) = node.named_child(0) else {
            return;
        };
        let value = unwrap_expr(value);
        let mut keys = Vec::new();
        collect_keys(value, self.src, &mut keys);
        if let Some(function) = self.facts.functions.get_mut(func as usize) {
            function.returned_fields.extend(keys);
        }
    }

    fn import(&mut self, node: Node<'_>) {
        let src = self.src;
        let mut cursor = node.walk();
        if node.k() == "import_statement" {
            for name in node.children_by_field_name("name", &mut cursor) {
                let (module, local) = match name.k() {
                    "aliased_import" => {
                        let (Some(module), Some(alias)) = (name.field("name"), name.field("alias"))
                        else {
                            continue;
                        };
                        (text(module, src), text(alias, src))
                    }
                    _ => (text(name, src), text(name, src)),
                };
                self.facts.imports.push(Import {
                    local: local.to_string(),
                    imported: Imported::Namespace,
                    source: module.to_string(),
                });
            }
            return;
        }
        let Some(module) = node.field("module_name") else {
            return;
        };
        let source: String = text(module, src).split_whitespace().collect();
        let mut any = false;
        for name in node.children_by_field_name("name", &mut cursor) {
            let (imported, local) = match name.k() {
                "aliased_import" => {
                    let (Some(imported), Some(alias)) = (name.field("name"), name.field("alias"))
                    else {
                        continue;
                    };
                    (text(imported, src), text(alias, src))
                }
                _ => (text(name, src), text(name, src)),
            };
            any = true;
            self.facts.imports.push(Import {
                local: local.to_string(),
                imported: Imported::Named(imported.to_string()),
                source: source.clone(),
            });
        }
        if !any {
            // `from .audit import *`
            self.facts.imports.push(Import {
                local: "*".to_string(),
                imported: Imported::Namespace,
                source,
            });
        }
    }

    fn assignment<'t>(&mut self, node: Node<'t>, stack: &[Node<'t>]) {
        let src = self.src;
        let scope = self.innermost_fn(stack);
        let in_class_body = stack
            .iter()
            .rev()
            .find(|n| matches!(n.k(), "function_definition" | "class_definition"))
            .is_some_and(|n| n.k() == "class_definition");
        let Some(left) = node.field("left") else {
            return;
        };
        let right = node.field("right");
        if scope.is_some() {
            self.string_constant(node);
        }
        let name = match left.k() {
            "identifier" => text(left, src).to_string(),
            // `self.audit = AuditService(..)`
            "attribute" => match callee_path(left, src) {
                Some(path) if path.starts_with("self.") && path.matches('.').count() == 1 => path,
                _ => return,
            },
            _ => return,
        };
        if scope.is_none() && !in_class_body && left.k() == "identifier" {
            self.facts.module_locals.push(name.clone());
            // `audit_log = Table("audit_log", metadata, ..)`
            if let Some(right) = right
                && right.k() == "call"
                && right
                    .field("function")
                    .and_then(|f| callee_path(f, src))
                    .is_some_and(|p| syntax::last_segment(&p) == "Table")
                && let Some(table) = first_positional(right).and_then(|a| plain_string(a, src))
            {
                self.facts.table_objects.push(TableObject {
                    name: name.clone(),
                    table,
                    span: Span::new(node.start_byte(), node.end_byte()),
                });
            }
        }
        // A class-level annotation (`audit: AuditService`) is what `self.audit` holds.
        if in_class_body && let Some(ty) = node.field("type") {
            if let Some(class) = annotation_class(ty, src) {
                self.facts.bindings.push(Binding {
                    name: format!("self.{name}"),
                    scope: None,
                    source: BindingSource::Type(class),
                });
            }
            return;
        }
        if let Some(ty) = node.field("type")
            && let Some(class) = annotation_class(ty, src)
        {
            self.facts.bindings.push(Binding {
                name: name.clone(),
                scope,
                source: BindingSource::Type(class),
            });
        }
        let Some(right) = right else { return };
        let value = unwrap_expr(right);
        if value.k() == "call"
            && let Some(callee) = value.field("function").and_then(|f| callee_path(f, src))
        {
            if let Some(target) = ops::model_target(value, src, &self.models, scope) {
                self.models.insert((scope, name.clone()), target);
            }
            self.facts.bindings.push(Binding {
                name,
                scope,
                source: BindingSource::Call(callee),
            });
        }
    }

    /// `def record(self, audit: AuditService)`: what a parameter holds.
    fn typed_parameter<'t>(&mut self, node: Node<'t>, stack: &[Node<'t>]) {
        let src = self.src;
        let name = match node.k() {
            "typed_parameter" => node.named_child(0).filter(|n| n.k() == "identifier"),
            _ => node.field("name"),
        };
        let (Some(name), Some(ty)) = (name, node.field("type")) else {
            return;
        };
        let Some(class) = annotation_class(ty, src) else {
            return;
        };
        // The parameter belongs to the function whose `parameters` it is in: the walk met that
        // function first, so it is on the stack and in `fn_ids`.
        self.facts.bindings.push(Binding {
            name: text(name, src).to_string(),
            scope: self.innermost_fn(stack),
            source: BindingSource::Type(class),
        });
    }
}

/// `audit_logged: bool = Field(..)`, `audit_logged = models.BooleanField()`: a declared field.
fn is_field_call(node: Node<'_>, src: &str) -> bool {
    node.k() == "call"
        && node
            .field("function")
            .and_then(|f| callee_path(f, src))
            .is_some_and(|p| {
                let last = syntax::last_segment(&p);
                last.ends_with("Field") || last == "field" || last == "Column"
            })
}

/// Keys of a returned value: a dict literal's string keys, `dict(k=..)`'s and a class
/// constructor's keyword names (`TierResult(audit_logged=ok)`), and the keys of the elements
/// of a returned tuple.
fn collect_keys(value: Node<'_>, src: &str, keys: &mut Vec<(String, Span)>) {
    let mut pending = vec![value];
    let mut steps = 0;
    while let Some(value) = pending.pop() {
        steps += 1;
        if steps > 64 {
            break;
        }
        match value.k() {
            "dictionary" => {
                let mut cursor = value.walk();
                for pair in value.named_children(&mut cursor) {
                    if pair.k() != "pair" {
                        continue;
                    }
                    if let Some(key) = pair.field("key")
                        && let Some(name) = plain_string(key, src)
                    {
                        keys.push((name, Span::new(key.start_byte(), key.end_byte())));
                    }
                }
            }
            "call" => {
                let Some(callee) = value.field("function").and_then(|f| callee_path(f, src)) else {
                    continue;
                };
                let last = syntax::last_segment(&callee);
                if last == "dict" || is_class_name(last) {
                    for (name, at) in keyword_names(value, src) {
                        keys.push((name.to_string(), Span::new(at.start_byte(), at.end_byte())));
                    }
                }
            }
            "expression_list" | "tuple" | "parenthesized_expression" => {
                let mut cursor = value.walk();
                pending.extend(value.named_children(&mut cursor));
            }
            _ => {}
        }
    }
}

/// Names a function body binds (assignments, `for` targets, `with … as`, `except … as`),
/// nested functions and classes left out. Walks the body; the main walk gives
/// [`summary::Summaries`] the same nodes.
fn assigned_names(body: Node<'_>, src: &str, out: &mut Vec<String>) {
    auditlint_core::tree::visit_bounded(body, MAX_ASSIGNED_NODES, |node| {
        if matches!(
            node.k(),
            "function_definition" | "class_definition" | "lambda"
        ) {
            return false;
        }
        target_names(node, src, out);
        true
    });
}

/// Nodes [`assigned_names`] looks at, at most.
const MAX_ASSIGNED_NODES: usize = 50_000;

/// The names one node of a body binds, added to `out` (each once).
fn target_names(node: Node<'_>, src: &str, out: &mut Vec<String>) {
    let target = match node.k() {
        "assignment" | "augmented_assignment" => node.field("left"),
        "for_statement" | "for_in_clause" => node.field("left"),
        "as_pattern" => node.field("alias"),
        "except_clause" => node.field("alias"),
        _ => None,
    };
    let Some(target) = target else {
        return;
    };
    let mut pattern = vec![target];
    while let Some(p) = pattern.pop() {
        match p.k() {
            "identifier" => {
                let name = text(p, src);
                if !out.iter().any(|n| n == name) {
                    out.push(name.to_string());
                }
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "as_pattern_target" => {
                let mut cursor = p.walk();
                pattern.extend(p.named_children(&mut cursor));
            }
            _ => {}
        }
    }
}

/// The names `function`'s parameters bind, in order (`self` and `cls` included).
pub(crate) fn parameter_names(function: Node<'_>, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(parameters) = function.field("parameters") {
        let mut cursor = parameters.walk();
        for param in parameters.named_children(&mut cursor) {
            let name = match param.k() {
                "identifier" => Some(param),
                "typed_parameter" => param.named_child(0).filter(|n| n.k() == "identifier"),
                "default_parameter" | "typed_default_parameter" => param.field("name"),
                _ => None,
            };
            if let Some(name) = name {
                out.push(text(name, src).to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
