//! The TypeScript/JavaScript front end: one file's text → [`FileFacts`].
//!
//! One tree-sitter parse, then iterative walks only (a cursor and explicit stacks): no input
//! can overflow the stack. Nesting deeper than [`MAX_DEPTH`] is not analysed and is reported
//! through [`FileFacts::truncated_at_depth`].

mod effects;
mod flow;
mod guard;
mod repair;
mod syntax;

use crate::syntax::{Field, NodeKind};
use foldhash::{HashMap, HashMapExt};
use std::cell::RefCell;

use auditlint_core::Span;
use auditlint_core::budget::ParseDeadline;
use auditlint_core::facts::{
    Export, FileFacts, FnId, Function, Import, Imported, Language, TableObject,
};
use auditlint_core::tree;
use tree_sitter::{Node, Parser, Tree};

use crate::syntax::{
    callee_path, is_async, is_function, literal_text, string_text, text, unwrap_expr,
};

pub use auditlint_core::sql::insert_table;
/// A parsed file, kept by long-lived callers for incremental re-parsing.
pub use tree_sitter::Tree as SyntaxTree;

/// Deeper nesting than this is cut off (and reported): real code stays far below it.
pub const MAX_DEPTH: usize = 1_000;

/// Function bodies larger than this are not summarised as by-reference handlers.
const MAX_HANDLER_FUNCTION_BYTES: usize = 4_000;

/// Which grammar a file needs.
pub fn language_of(path: &str) -> Option<Language> {
    Language::of_path(path).filter(|l| {
        matches!(
            l,
            Language::TypeScript | Language::Tsx | Language::JavaScript
        )
    })
}

thread_local! {
    static PARSERS: RefCell<(Option<Parser>, Option<Parser>)> = const { RefCell::new((None, None)) };
}

fn parse(
    source: &str,
    language: Language,
    previous: Option<&Tree>,
    deadline: &ParseDeadline,
) -> Result<Tree, ExtractError> {
    tree::on_parse_stack(source, "auditlint-ts-parse", || {
        PARSERS.with(|cell| {
            let mut parsers = cell.borrow_mut();
            let (slot, grammar) = match language {
                Language::TypeScript => {
                    (&mut parsers.0, tree_sitter_typescript::LANGUAGE_TYPESCRIPT)
                }
                // JavaScript may contain JSX: the TSX grammar reads both.
                _ => (&mut parsers.1, tree_sitter_typescript::LANGUAGE_TSX),
            };
            tree::parse_until(slot, &grammar.into(), source, previous, deadline)
        })
    })
}

/// Why a file was not analysed.
pub type ExtractError = tree::ParseFailure;

/// Parses `source` and extracts its facts, within the parse time limit of its size.
pub fn extract(source: &str, language: Language) -> Result<FileFacts, ExtractError> {
    extract_incremental(source, language, None).map(|(facts, _)| facts)
}

/// Like [`extract`], reusing the tree of a previous version of the same file (an editor's
/// buffer): tree-sitter re-parses only what the edit touched. Returns the new tree too.
pub fn extract_incremental(
    source: &str,
    language: Language,
    previous: Option<(&str, &Tree)>,
) -> Result<(FileFacts, Tree), ExtractError> {
    let deadline = ParseDeadline::start(source.len());
    let edited = previous.map(|(old_source, old_tree)| {
        let mut tree = old_tree.clone();
        tree.edit(&edit_between(old_source, source));
        tree
    });
    let tree = parse(source, language, edited.as_ref(), &deadline)?;
    // The facts come from a repaired copy when the grammar fails on valid code; the tree kept
    // for the next incremental parse is always the source's own.
    let repaired = repaired(source, language, &tree, &deadline)?;
    let (text, parsed) = match &repaired {
        Some((text, parsed)) => (text.as_str(), parsed),
        None => (source, &tree),
    };
    let mut extractor = Extractor {
        src: text,
        facts: FileFacts::default(),
        fn_ids: HashMap::new(),
        consts: HashMap::new(),
        repositories: HashMap::new(),
        forward_consts: Vec::new(),
        catch_effects: HashMap::new(),
        pending_effects: Vec::new(),
        has_errors: parsed.root_node().has_error(),
    };
    extractor.walk(parsed.root_node());
    extractor.resolve_forward_consts();
    Ok((extractor.facts, tree))
}

/// Rounds of [`repair::repair`] (a repair can uncover the next shape), keeping the text with the
/// fewest errors; `None` when the source parses cleanly or no repair helps.
fn repaired(
    source: &str,
    language: Language,
    tree: &Tree,
    deadline: &ParseDeadline,
) -> Result<Option<(String, Tree)>, ExtractError> {
    let mut best: Option<(String, Tree)> = None;
    let mut errors = error_count(tree);
    for _ in 0..3 {
        if errors == 0 {
            break;
        }
        let (text, current) = match &best {
            Some((text, tree)) => (text.as_str(), tree),
            None => (source, tree),
        };
        let Some(masked) = repair::repair(text, current) else {
            break;
        };
        // The masked text differs from the one just parsed only where it was masked: its tree
        // is that tree re-parsed there (an editor's buffer with a syntax error pays a fraction
        // of a parse per change instead of a whole one).
        let mut previous = current.clone();
        previous.edit(&edit_between(text, &masked));
        let masked_tree = match parse(&masked, language, Some(&previous), deadline) {
            Ok(tree) => tree,
            Err(ExtractError::GaveUp) => break,
            Err(limit) => return Err(limit),
        };
        let masked_errors = error_count(&masked_tree);
        if masked_errors >= errors {
            break;
        }
        errors = masked_errors;
        best = Some((masked, masked_tree));
    }
    Ok(best)
}

/// Error and missing nodes in a tree (only subtrees with errors are visited).
fn error_count(tree: &Tree) -> usize {
    let mut count = 0;
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            count += 1;
        }
        if node.has_error() {
            stack.extend(node.children(&mut cursor));
        }
    }
    count
}

/// The single edit that turns `old` into `new`: their common prefix and suffix stay.
fn edit_between(old: &str, new: &str) -> tree_sitter::InputEdit {
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let room = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(room)
        .take_while(|(x, y)| x == y)
        .count();
    let point = |text: &[u8], offset: usize| {
        let before = &text[..offset];
        let row = before.iter().filter(|&&c| c == b'\n').count();
        let column = offset
            - before
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |i| i + 1);
        tree_sitter::Point { row, column }
    };
    tree_sitter::InputEdit {
        start_byte: prefix,
        old_end_byte: a.len() - suffix,
        new_end_byte: b.len() - suffix,
        start_position: point(a, prefix),
        old_end_position: point(a, a.len() - suffix),
        new_end_position: point(b, b.len() - suffix),
    }
}

pub(crate) struct Extractor<'s> {
    pub(crate) src: &'s str,
    pub(crate) facts: FileFacts,
    /// Function node id → its index in `facts.functions`.
    pub(crate) fn_ids: HashMap<usize, FnId>,
    /// `const X = "…"`: string constants, so `db.prepare(INSERT_AUDIT)` is seen through.
    pub(crate) consts: HashMap<String, String>,
    /// Injected ORM repositories and models by field or parameter name: `@InjectRepository(
    /// AuditLog) private repo: Repository<AuditLog>` → `repo` → `AuditLog`.
    pub(crate) repositories: HashMap<String, String>,
    /// Identifiers passed to calls before any constant of that name was seen.
    pub(crate) forward_consts: Vec<(Span, String)>,
    /// Catch clause node id → what its body does (every operation in its `try` asks).
    pub(crate) catch_effects: HashMap<usize, auditlint_core::facts::Effects>,
    /// Named functions whose body is summarised once the main walk has been through it.
    pub(crate) pending_effects: Vec<PendingEffects>,
    /// The tree holds an error or a missing node somewhere: only then is each node asked.
    pub(crate) has_errors: bool,
}

/// A function body to summarise ([`effects::effects_of_preorder`]) from the main walk's nodes.
pub(crate) struct PendingEffects {
    function: FnId,
    /// The body's node id, and its bytes (to find it if the walk never reaches it).
    body: usize,
    range: std::ops::Range<usize>,
    /// The function's first parameter: the error, when the function is a handler.
    error: Option<String>,
}

impl<'s> Extractor<'s> {
    /// `db.prepare(INSERT_AUDIT)` where `INSERT_AUDIT` is declared after the call: resolved
    /// once the walk has seen every constant.
    fn resolve_forward_consts(&mut self) {
        let pending = std::mem::take(&mut self.forward_consts);
        let mut by_span: HashMap<Span, Vec<usize>> = HashMap::new();
        for (span, name) in pending {
            if self
                .consts
                .get(&name)
                .and_then(|sql| insert_table(sql))
                .is_some()
            {
                by_span.entry(span).or_default();
            }
        }
        if by_span.is_empty() {
            return;
        }
        for (i, op) in self.facts.ops.iter().enumerate() {
            if let Some(ops) = by_span.get_mut(&op.span) {
                ops.push(i);
            }
        }
        let src = self.src;
        for (span, ops) in by_span {
            let call_text = src.get(span.range()).unwrap_or_default();
            // The longest constant the call names (`INSERT_AUDIT_V2`, not the `INSERT_AUDIT` in
            // it), whatever order the map keeps them in.
            let table = self
                .consts
                .iter()
                .filter(|(name, _)| call_text.contains(name.as_str()))
                .filter_map(|(name, sql)| Some((name, insert_table(sql)?)))
                .max_by(|a, b| (a.0.len(), a.0).cmp(&(b.0.len(), b.0)))
                .map(|(_, table)| table);
            let Some(table) = table else { continue };
            for i in ops {
                let op = &mut self.facts.ops[i];
                if op.sink.is_none() {
                    op.sink = Some(auditlint_core::facts::SinkSyntax::SqlInsert {
                        table: table.clone(),
                    });
                }
            }
        }
    }

    /// The one walk: functions, imports, exports, constants, table objects, operations and
    /// syntax errors, with the ancestors of the current node on an explicit stack.
    fn walk<'t>(&mut self, root: Node<'t>)
    where
        's: 't,
    {
        // One walk of the tree: its nodes are kept, in preorder with their depths, for the
        // variables followed (`flow`) and the summaries of function bodies (`record`).
        let mut preorder = Vec::new();
        let truncated = tree::walk_preorder(
            root,
            MAX_DEPTH,
            |node| {
                matches!(
                    node.node_kind(),
                    "string" | "string_fragment" | "comment" | "regex"
                )
            },
            |node, stack| preorder.push((node, stack.len())),
        );
        let uses = flow::Uses::new(preorder, !truncated);
        // Function bodies to summarise, with where they start among the walk's nodes.
        let mut bodies: Vec<(PendingEffects, usize)> = Vec::new();
        let mut stack: Vec<Node<'t>> = Vec::new();
        for (at, &(node, depth)) in uses.preorder().iter().enumerate() {
            stack.truncate(depth);
            if let Some(pending) = self.pending_body(node) {
                bodies.push((pending, at));
            }
            self.visit(node, &mut stack, &uses);
            stack.push(node);
        }
        self.summarise(uses.preorder(), bodies);
        // A body the walk did not reach (below the depth limit) is summarised by its own walk.
        for pending in std::mem::take(&mut self.pending_effects) {
            let body = root
                .descendant_for_byte_range(pending.range.start, pending.range.end)
                .and_then(|n| {
                    std::iter::successors(Some(n), |n| n.parent())
                        .take_while(|n| n.byte_range() == pending.range)
                        .find(|n| n.id() == pending.body)
                });
            if let Some(body) = body {
                self.facts.functions[pending.function as usize].effects =
                    Some(effects::effects(body, pending.error.as_deref(), self.src));
            }
        }
        if truncated {
            self.facts.truncated_at_depth = Some(MAX_DEPTH as u32);
        }
    }

    /// The body `node` is, if a named function registered it for a summary.
    fn pending_body(&mut self, node: Node<'_>) -> Option<PendingEffects> {
        if self.pending_effects.is_empty() {
            return None;
        }
        let at = self
            .pending_effects
            .iter()
            .position(|p| p.body == node.id())?;
        Some(self.pending_effects.swap_remove(at))
    }

    /// Summarises each body from the walk's nodes of its subtree (`nodes[start]` and those
    /// after it deeper than it): one walk serves every summary, none walks on its own.
    fn summarise(&mut self, nodes: &[(Node<'_>, usize)], bodies: Vec<(PendingEffects, usize)>) {
        for (pending, start) in bodies {
            let depth = nodes[start].1;
            let end = nodes[start + 1..]
                .iter()
                .position(|&(_, d)| d <= depth)
                .map_or(nodes.len(), |n| start + 1 + n);
            self.facts.functions[pending.function as usize].effects =
                Some(effects::effects_of_preorder(
                    &nodes[start..end],
                    pending.error.as_deref(),
                    self.src,
                ));
        }
    }

    fn visit<'t>(&mut self, node: Node<'t>, stack: &mut Vec<Node<'t>>, uses: &flow::Uses<'t>)
    where
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
        let kind = node.node_kind();
        if is_function(kind) {
            self.function(node, stack);
            return;
        }
        match kind {
            "call_expression" => {
                stack.push(node);
                self.operation(stack, uses);
                stack.pop();
            }
            "return_statement" => self.returned(node, stack),
            "import_statement" => self.import(node),
            "interface_declaration" | "type_alias_declaration" => self.type_decl(node),
            "export_statement" => self.export(node),
            "assignment_expression" => self.commonjs_export(node),
            "required_parameter" | "optional_parameter" | "public_field_definition" => {
                self.repository_binding(node);
            }
            "variable_declarator" => {
                self.bind_locals(node, stack);
                self.declarator(node);
            }
            _ => {}
        }
    }

    fn function<'t>(&mut self, node: Node<'t>, stack: &[Node<'t>]) {
        let src = self.src;
        let parent = stack.last().copied();
        let mut holder = Holder::default();
        let name = match node.node_kind() {
            "function_declaration" | "generator_function_declaration" => {
                node.field("name").map(|n| text(n, src).to_string())
            }
            "method_definition" => {
                holder.class = enclosing_class(stack, src);
                holder.keyed = parent.is_some_and(|p| p.node_kind() == "object");
                node.field("name").map(|n| text(n, src).to_string())
            }
            _ => parent.and_then(|p| self.binding_name(node, p, stack, &mut holder)),
        };
        let Holder {
            class,
            member_of,
            keyed,
        } = holder;
        let name = name.or_else(|| {
            // `export default function () {}`
            parent
                .filter(|p| {
                    p.node_kind() == "export_statement" && text(*p, src).contains("default")
                })
                .map(|_| "default".to_string())
        });
        let span = node.field("name").map_or_else(
            || head_span(node),
            |n| Span::new(n.start_byte(), n.end_byte()),
        );
        // Any named function small enough to be a helper: the error may be passed in any
        // argument position (`reportFailure(route, ids, err)`). What its body does is summarised
        // from the main walk's nodes once the walk has left it (see `walk`).
        let summarised = node
            .field("body")
            .filter(|b| b.byte_range().len() <= MAX_HANDLER_FUNCTION_BYTES && name.is_some());
        // An arrow's expression body is its return value; `return` statements are collected by
        // the main walk as it meets them (see `returned`).
        let returned_fields = node
            .field("body")
            .filter(|body| body.node_kind() != "statement_block")
            .map(|body| object_keys(body, src))
            .unwrap_or_default();
        let (return_type_names, return_type_fields) = node
            .field("return_type")
            .map(|t| type_names_and_fields(t, src))
            .unwrap_or_default();
        let id = self.facts.functions.len() as FnId;
        self.fn_ids.insert(node.id(), id);
        if let Some(body) = summarised {
            self.pending_effects.push(PendingEffects {
                function: id,
                body: body.id(),
                range: body.byte_range(),
                error: first_parameter(node, src),
            });
        }
        let mut locals = Vec::new();
        if let Some(params) = node.field("parameters").or_else(|| node.field("parameter")) {
            pattern_names(params, src, &mut locals);
        }
        let parent = self.innermost_fn(stack);
        self.facts.functions.push(Function {
            parent,
            locals,
            implements: None,
            member_of,
            keyed,
            name,
            class,
            span,
            is_async: is_async(node),
            returned_fields,
            return_type_names,
            return_type_fields,
            effects: None,
        });
    }

    /// The name a function expression is bound to: `const f = …`, `{ f: … }`, `f = …`,
    /// a class field `f = async () => …`, a member `req.f = …`; what else holds it into
    /// `holder`.
    fn binding_name<'t>(
        &self,
        node: Node<'t>,
        parent: Node<'t>,
        stack: &[Node<'t>],
        holder: &mut Holder,
    ) -> Option<String> {
        let src = self.src;
        // Skip `(…)`/`as` wrappers between the function and its binding.
        let mut parent = parent;
        let mut at = stack.len();
        while crate::syntax::is_transparent(parent.node_kind()) && at > 1 {
            at -= 1;
            parent = stack[at - 1];
        }
        let value_is_node =
            |field: &str| parent.field(field).is_some_and(|v| unwrap_expr(v) == node);
        match parent.node_kind() {
            "variable_declarator" if value_is_node("value") => parent
                .field("name")
                .filter(|n| n.node_kind() == "identifier")
                .map(|n| text(n, src).to_string()),
            "pair" if value_is_node("value") => {
                holder.keyed = true;
                parent
                    .field("key")
                    .map(|k| text(k, src).trim_matches(['"', '\'']).to_string())
            }
            "assignment_expression" if value_is_node("right") => {
                let path = parent.field("left").and_then(|l| callee_path(l, src))?;
                // `module.exports = function ..` is the module's export, no member.
                if let Some((object, _)) = path.rsplit_once('.')
                    && path != "module.exports"
                    && !matches!(object, "this" | "exports" | "module.exports")
                    && !object.contains(['(', '['])
                {
                    holder.member_of = Some(object.to_string());
                }
                Some(syntax::last_segment(&path).to_string())
            }
            "public_field_definition" | "field_definition" => {
                holder.class = enclosing_class(stack, src);
                parent
                    .field("name")
                    .or_else(|| parent.field("property"))
                    .map(|n| text(n, src).to_string())
            }
            _ => None,
        }
    }

    fn import(&mut self, node: Node<'_>) {
        let src = self.src;
        let Some(source) = node.field("source") else {
            return;
        };
        let source = string_text(source, src).to_string();
        let mut cursor = node.walk();
        let Some(clause) = node
            .named_children(&mut cursor)
            .find(|c| c.node_kind() == "import_clause")
        else {
            return;
        };
        let mut cursor = clause.walk();
        for part in clause.named_children(&mut cursor) {
            match part.node_kind() {
                "identifier" => self.facts.imports.push(Import {
                    local: text(part, src).to_string(),
                    imported: Imported::Default,
                    source: source.clone(),
                }),
                "namespace_import" => {
                    if let Some(local) = part.named_child(0) {
                        self.facts.imports.push(Import {
                            local: text(local, src).to_string(),
                            imported: Imported::Namespace,
                            source: source.clone(),
                        });
                    }
                }
                "named_imports" => {
                    let mut c = part.walk();
                    for spec in part.named_children(&mut c) {
                        if spec.node_kind() != "import_specifier" {
                            continue;
                        }
                        let Some(name) = spec.field("name") else {
                            continue;
                        };
                        let name = string_or_ident(name, src);
                        let local = spec
                            .field("alias")
                            .map_or_else(|| name.clone(), |a| text(a, src).to_string());
                        let imported = if name == "default" {
                            Imported::Default
                        } else {
                            Imported::Named(name)
                        };
                        self.facts.imports.push(Import {
                            local,
                            imported,
                            source: source.clone(),
                        });
                    }
                }
                _ => {}
            }
        }
    }

    fn export(&mut self, node: Node<'_>) {
        let src = self.src;
        let source = node
            .field("source")
            .map(|s| string_text(s, src).to_string());
        let is_default = {
            let mut cursor = node.walk();
            node.children(&mut cursor)
                .any(|c| c.node_kind() == "default")
        };
        if let Some(declaration) = node.field("declaration") {
            let names = declared_names(declaration, src);
            for name in names {
                let exported = if is_default {
                    "default".to_string()
                } else {
                    name.clone()
                };
                self.facts.exports.push(Export::Local {
                    exported,
                    local: name,
                });
            }
            return;
        }
        if let Some(value) = node.field("value") {
            if is_default {
                let local = match unwrap_expr(value).node_kind() {
                    "identifier" => text(value, src).to_string(),
                    _ => "default".to_string(),
                };
                self.facts.exports.push(Export::Local {
                    exported: "default".to_string(),
                    local,
                });
            }
            return;
        }
        let mut cursor = node.walk();
        let clause = node
            .named_children(&mut cursor)
            .find(|c| c.node_kind() == "export_clause");
        let Some(clause) = clause else {
            if let Some(source) = source {
                // `export * from "./x"` (`export * as ns` is a namespace: not followed).
                if !text(node, src).contains(" as ") {
                    self.facts.exports.push(Export::All { source });
                }
            }
            return;
        };
        let mut c = clause.walk();
        for spec in clause.named_children(&mut c) {
            if spec.node_kind() != "export_specifier" {
                continue;
            }
            let Some(name) = spec.field("name") else {
                continue;
            };
            let name = string_or_ident(name, src);
            let exported = spec
                .field("alias")
                .map_or_else(|| name.clone(), |a| string_or_ident(a, src));
            self.facts.exports.push(match &source {
                Some(source) => Export::From {
                    exported,
                    imported: name,
                    source: source.clone(),
                },
                None => Export::Local {
                    exported,
                    local: name,
                },
            });
        }
    }

    /// CommonJS exports: `module.exports = { log, record: require("./record").record }`,
    /// `exports.log = log`, `module.exports.log = require("./log").log`,
    /// `module.exports = require("./audit")` (a re-export of everything).
    fn commonjs_export(&mut self, node: Node<'_>) {
        let src = self.src;
        let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
            return;
        };
        let Some(target) = callee_path(left, src) else {
            return;
        };
        let exported = match target.as_str() {
            "module.exports" => None,
            t => match t
                .strip_prefix("module.exports.")
                .or_else(|| t.strip_prefix("exports."))
            {
                Some(name) if !name.contains('.') => Some(name.to_string()),
                _ => return,
            },
        };
        let right = unwrap_expr(right);
        match exported {
            Some(name) => {
                if let Some(export) = self.commonjs_value(&name, right) {
                    self.facts.exports.push(export);
                }
            }
            None if right.node_kind() == "object" => {
                let mut cursor = right.walk();
                for member in right.named_children(&mut cursor) {
                    let export = match member.node_kind() {
                        "shorthand_property_identifier" => Some(Export::Local {
                            exported: text(member, src).to_string(),
                            local: text(member, src).to_string(),
                        }),
                        "pair" => {
                            member
                                .field("key")
                                .zip(member.field("value"))
                                .and_then(|(k, v)| {
                                    let key = text(k, src).trim_matches(['"', '\'']).to_string();
                                    self.commonjs_value(&key, unwrap_expr(v))
                                })
                        }
                        _ => None,
                    };
                    self.facts.exports.extend(export);
                }
            }
            None => {
                // `module.exports = require("./audit")`.
                if let Some(source) = require_source(right, src) {
                    self.facts.exports.push(Export::All { source });
                }
            }
        }
    }

    /// What exporting `value` as `name` exports: a local (`log`), or a name of another module
    /// (`require("./log").log`).
    fn commonjs_value(&self, name: &str, value: Node<'_>) -> Option<Export> {
        let src = self.src;
        match value.node_kind() {
            "identifier" => Some(Export::Local {
                exported: name.to_string(),
                local: text(value, src).to_string(),
            }),
            "member_expression" => {
                let object = unwrap_expr(value.field("object")?);
                let property = value.field("property")?;
                Some(Export::From {
                    exported: name.to_string(),
                    imported: text(property, src).to_string(),
                    source: require_source(object, src)?,
                })
            }
            _ => None,
        }
    }

    /// `@InjectRepository(AuditLog) private repo: Repository<AuditLog>`,
    /// `@InjectModel(AuditLog.name) model: Model<AuditLogDocument>`: the model a field or
    /// constructor parameter holds the repository of.
    fn repository_binding(&mut self, node: Node<'_>) {
        let src = self.src;
        let name = node
            .field("pattern")
            .or_else(|| node.field("name"))
            .filter(|n| matches!(n.node_kind(), "identifier" | "property_identifier"))
            .map(|n| text(n, src).to_string());
        let Some(name) = name else { return };
        let mut model = None;
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.node_kind() {
                "decorator" => {
                    let t = text(child, src);
                    for prefix in ["@InjectRepository(", "@InjectModel("] {
                        if let Some(rest) = t.strip_prefix(prefix) {
                            let arg: String = rest
                                .chars()
                                .take_while(|c| c.is_alphanumeric() || *c == '_')
                                .collect();
                            if !arg.is_empty() {
                                model = Some(arg);
                            }
                        }
                    }
                }
                "type_annotation" if model.is_none() => {
                    let t = text(child, src);
                    for prefix in [
                        "Repository<",
                        "Model<",
                        "EntityRepository<",
                        "MongoRepository<",
                    ] {
                        if let Some(at) = t.find(prefix) {
                            let arg: String = t[at + prefix.len()..]
                                .chars()
                                .take_while(|c| c.is_alphanumeric() || *c == '_')
                                .collect();
                            if !arg.is_empty() {
                                // `Model<AuditLogDocument>`: the model, not its document type.
                                model = Some(arg.trim_end_matches("Document").to_string());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(model) = model {
            self.repositories.insert(name, model);
        }
    }

    /// The innermost function among `stack`'s nodes.
    fn innermost_fn(&self, stack: &[Node<'_>]) -> Option<FnId> {
        stack
            .iter()
            .rev()
            .find(|n| is_function(n.node_kind()))
            .and_then(|n| self.fn_ids.get(&n.id()).copied())
    }

    /// The names a declarator binds to values, in its function or the module; and what a
    /// name bound to a call holds (`const audit = createModelAuditLogger(..)`).
    fn bind_locals(&mut self, node: Node<'_>, stack: &[Node<'_>]) {
        let src = self.src;
        let Some(name) = node.field("name") else {
            return;
        };
        let value = node.field("value").map(unwrap_expr);
        // A function value is a function of its own; `require(..)` is an import.
        if value.is_some_and(|v| {
            is_function(v.node_kind())
                || (v.node_kind() == "call_expression"
                    && v.field("function")
                        .is_some_and(|f| text(f, src) == "require"))
        }) {
            return;
        }
        let scope = self.innermost_fn(stack);
        let mut names = Vec::new();
        pattern_names(name, src, &mut names);
        if let Some(value) = value
            && name.node_kind() == "identifier"
            && matches!(text(value, src), "module.exports" | "exports")
        {
            self.facts.bindings.push(auditlint_core::facts::Binding {
                name: text(name, src).to_string(),
                scope,
                source: auditlint_core::facts::BindingSource::ThisModule,
            });
        } else if let Some(value) = value
            && name.node_kind() == "identifier"
        {
            let call = if value.node_kind() == "await_expression" {
                value.named_child(0).map(unwrap_expr)
            } else {
                Some(value)
            };
            let callee = call.and_then(|c| match c.node_kind() {
                "call_expression" => c.field("function").and_then(|f| callee_path(f, src)),
                "new_expression" => c.field("constructor").and_then(|f| callee_path(f, src)),
                _ => None,
            });
            if let Some(callee) = callee {
                self.facts.bindings.push(auditlint_core::facts::Binding {
                    name: text(name, src).to_string(),
                    scope,
                    source: auditlint_core::facts::BindingSource::Call(callee),
                });
            }
        }
        match scope {
            Some(id) => self.facts.functions[id as usize].locals.extend(names),
            None => self.facts.module_locals.extend(names),
        }
    }

    /// `const SQL = "…"`; `const auditLogs = pgTable("audit_logs", …)`;
    /// `const { log } = require("./audit")`.
    fn declarator(&mut self, node: Node<'_>) {
        let src = self.src;
        let (Some(name), Some(value)) = (node.field("name"), node.field("value")) else {
            return;
        };
        let value = unwrap_expr(value);
        if name.node_kind() == "identifier"
            && let Some(literal) = literal_text(value, src)
        {
            self.consts
                .insert(text(name, src).to_string(), literal.to_string());
            return;
        }
        if value.node_kind() != "call_expression" {
            return;
        }
        let Some(function) = value.field("function") else {
            return;
        };
        let callee = callee_path(function, src).unwrap_or_default();
        let first_node = value
            .field("arguments")
            .and_then(|a| syntax::nth_named(a, 0));
        let computed;
        let first_arg = match first_node.and_then(|a| literal_text(a, src)) {
            Some(literal) => literal,
            // `require(path.join(__dirname, "..", "audit"))`: a path built from constants.
            None if callee == "require" => {
                let Some(spec) = first_node.and_then(|a| computed_specifier(a, src)) else {
                    return;
                };
                computed = spec;
                computed.as_str()
            }
            None => return,
        };
        let last = syntax::last_segment(&callee);
        if matches!(last, "pgTable" | "sqliteTable" | "mysqlTable" | "table")
            && name.node_kind() == "identifier"
        {
            self.facts.table_objects.push(TableObject {
                name: text(name, src).to_string(),
                table: first_arg.to_string(),
                span: Span::new(name.start_byte(), name.end_byte()),
            });
        } else if callee == "require" {
            let source = first_arg.to_string();
            match name.node_kind() {
                "identifier" => self.facts.imports.push(Import {
                    local: text(name, src).to_string(),
                    imported: Imported::Namespace,
                    source,
                }),
                "object_pattern" => {
                    let mut cursor = name.walk();
                    for prop in name.named_children(&mut cursor) {
                        let (imported, local) = match prop.node_kind() {
                            "shorthand_property_identifier_pattern" => {
                                (text(prop, src).to_string(), text(prop, src).to_string())
                            }
                            "pair_pattern" => {
                                let (Some(k), Some(v)) = (prop.field("key"), prop.field("value"))
                                else {
                                    continue;
                                };
                                (text(k, src).to_string(), text(v, src).to_string())
                            }
                            _ => continue,
                        };
                        self.facts.imports.push(Import {
                            local,
                            imported: Imported::Named(imported),
                            source: source.clone(),
                        });
                    }
                }
                _ => {}
            }
        }
    }
}

impl Extractor<'_> {
    /// `return { … }`: the keys belong to the innermost function around it.
    fn returned(&mut self, node: Node<'_>, stack: &[Node<'_>]) {
        let Some(value) = node.named_child(0) else {
            return;
        };
        let keys = object_keys(value, self.src);
        if keys.is_empty() {
            return;
        }
        let function = stack
            .iter()
            .rev()
            .find(|n| is_function(n.node_kind()))
            .and_then(|f| self.fn_ids.get(&f.id()).copied());
        if let Some(id) = function {
            self.facts.functions[id as usize]
                .returned_fields
                .extend(keys);
        }
    }

    /// `interface TierResult { audit_logged: boolean }`, `type R = { … } | { … }`.
    fn type_decl(&mut self, node: Node<'_>) {
        let Some(name) = node.field("name") else {
            return;
        };
        let body = node.field("body").or_else(|| node.field("value"));
        let Some(body) = body else { return };
        let (mut names, fields) = type_names_and_fields(body, self.src);
        // `interface TierResult extends AuditOutcome { … }`: the fields of the types extended.
        let mut cursor = node.walk();
        for clause in node.named_children(&mut cursor) {
            if clause.node_kind() == "extends_type_clause" {
                names.extend(type_names_and_fields(clause, self.src).0);
            }
        }
        self.facts.types.push(auditlint_core::facts::TypeDecl {
            name: text(name, self.src).to_string(),
            fields,
            names,
        });
    }
}

/// Nodes visited at most when summarising one function's returns or one type.
const MAX_SUMMARY_NODES: usize = 50_000;

/// Keys of the object literals a returned expression may evaluate to: `{ … }`,
/// `cond ? { … } : { … }`, `({ … })`, `await …`, `… as const`.
fn object_keys(value: Node<'_>, src: &str) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    auditlint_core::tree::visit_bounded(value, MAX_SUMMARY_NODES, |node| match node.node_kind() {
        "object" => {
            let mut cursor = node.walk();
            for prop in node.named_children(&mut cursor) {
                let key = match prop.node_kind() {
                    "pair" => prop.field("key"),
                    "shorthand_property_identifier" => Some(prop),
                    _ => None,
                };
                if let Some(key) = key {
                    let name = text(key, src).trim_matches(['"', '\'']).to_string();
                    out.push((name, Span::new(key.start_byte(), key.end_byte())));
                }
            }
            false
        }
        "ternary_expression"
        | "parenthesized_expression"
        | "await_expression"
        | "as_expression"
        | "satisfies_expression"
        | "binary_expression" => true,
        _ => false,
    });
    out
}

/// Generic types that do not have their argument's fields.
const FIELD_DROPPING_GENERICS: &[&str] = &[
    "Omit",
    "Pick",
    "Exclude",
    "Extract",
    "Record",
    "Parameters",
    "ConstructorParameters",
    "ReturnType",
    "InstanceType",
    "ThisParameterType",
    "OmitThisParameter",
];

/// Type names and inline object-type fields in a type annotation: the type's own, not those of
/// its members' types (`{ results: TierResult[] }` has the field `results`, and no type name).
fn type_names_and_fields(node: Node<'_>, src: &str) -> (Vec<String>, Vec<(String, Span)>) {
    let mut names = Vec::new();
    let mut fields = Vec::new();
    auditlint_core::tree::visit_bounded(node, MAX_SUMMARY_NODES, |n| {
        match n.node_kind() {
            "type_identifier" => names.push(text(n, src).to_string()),
            "property_signature" => {
                if let Some(key) = n.field("name") {
                    let name = text(key, src).trim_matches(['"', '\'']).to_string();
                    fields.push((name, Span::new(key.start_byte(), key.end_byte())));
                }
                return false;
            }
            // Members that are not fields, and types that are not the object they name:
            // `x is T` (a boolean), `keyof T`, `T["k"]`, `typeof v`, conditional types.
            "method_signature"
            | "index_signature"
            | "call_signature"
            | "construct_signature"
            | "function_type"
            | "constructor_type"
            | "type_predicate_annotation"
            | "asserts_annotation"
            | "index_type_query"
            | "lookup_type"
            | "type_query"
            | "conditional_type"
            | "infer_type" => return false,
            // `Omit<T, "k">`, `Pick<T, "k">`, `Record<K, T>`…: not `T`'s fields.
            "generic_type"
                if n.field("name").is_some_and(|name| {
                    let name = text(name, src);
                    FIELD_DROPPING_GENERICS.contains(&syntax::last_segment(name))
                }) =>
            {
                return false;
            }
            _ => {}
        }
        true
    });
    (names, fields)
}

fn string_or_ident(node: Node<'_>, src: &str) -> String {
    if node.node_kind() == "string" {
        string_text(node, src).to_string()
    } else {
        text(node, src).to_string()
    }
}

/// Names a declaration introduces: `function f`, `const f = …, g = …`, `class C`.
fn declared_names(declaration: Node<'_>, src: &str) -> Vec<String> {
    match declaration.node_kind() {
        "lexical_declaration" | "variable_declaration" => {
            let mut cursor = declaration.walk();
            declaration
                .named_children(&mut cursor)
                .filter(|d| d.node_kind() == "variable_declarator")
                .filter_map(|d| d.field("name"))
                .filter(|n| n.node_kind() == "identifier")
                .map(|n| text(n, src).to_string())
                .collect()
        }
        _ => declaration
            .field("name")
            .map(|n| vec![text(n, src).to_string()])
            .unwrap_or_default(),
    }
}

/// `require("./x")` (or a path built from constants): the module it names.
fn require_source(node: Node<'_>, src: &str) -> Option<String> {
    if node.node_kind() != "call_expression"
        || node
            .field("function")
            .is_none_or(|f| text(f, src) != "require")
    {
        return None;
    }
    let arg = syntax::nth_named(node.field("arguments")?, 0)?;
    literal_text(arg, src)
        .map(str::to_string)
        .or_else(|| computed_specifier(arg, src))
}

/// The module a `require` argument built from constants names: `path.join(__dirname, "..",
/// "audit")` → `./../audit` (relative to the requiring file), `path.join(process.cwd(),
/// "src/audit")` and `path.resolve("src/audit")` → `cwd:src/audit` (relative to the directory
/// the program runs in: the resolver tries the requiring file's package, then the project).
/// `None` when a piece is not constant.
fn computed_specifier(node: Node<'_>, src: &str) -> Option<String> {
    let node = unwrap_expr(node);
    if node.node_kind() != "call_expression" {
        return None;
    }
    let callee = callee_path(node.field("function")?, src)?;
    let method = syntax::last_segment(&callee);
    if !matches!(
        callee.as_str(),
        "path.join" | "path.resolve" | "join" | "resolve"
    ) {
        return None;
    }
    let args = node.field("arguments")?;
    let mut cursor = args.walk();
    let mut base: Option<&str> = None;
    let mut pieces: Vec<String> = Vec::new();
    for (i, arg) in args
        .named_children(&mut cursor)
        .filter(|a| a.node_kind() != "comment")
        .enumerate()
    {
        let arg = unwrap_expr(arg);
        let piece = text(arg, src);
        if i == 0 && piece == "__dirname" {
            base = Some("./");
        } else if i == 0 && piece == "process.cwd()" {
            base = Some("cwd:");
        } else if let Some(literal) = literal_text(arg, src) {
            if literal.starts_with('/') {
                return None;
            }
            pieces.push(literal.trim_end_matches('/').to_string());
        } else {
            return None;
        }
    }
    let base = match base {
        Some(base) => base,
        // `path.resolve("src/audit")` is relative to the working directory; `path.join` of
        // literals alone is relative to nothing we know.
        None if method == "resolve" => "cwd:",
        None => return None,
    };
    let joined = pieces.join("/");
    (!joined.is_empty()).then(|| format!("{base}{joined}"))
}

/// The names a binding pattern (or a parameter list) binds: `x`, `{ a, b: c }`, `[d, ...e]`,
/// `f = 1` — never a default value's or a type annotation's identifiers.
fn pattern_names(pattern: Node<'_>, src: &str, out: &mut Vec<String>) {
    let mut stack = vec![pattern];
    let mut visited = 0;
    while let Some(node) = stack.pop() {
        visited += 1;
        if visited > 10_000 {
            return;
        }
        match node.node_kind() {
            "identifier" | "shorthand_property_identifier_pattern" => {
                out.push(text(node, src).to_string());
                continue;
            }
            "type_annotation" | "decorator" | "accessibility_modifier" => continue,
            // `{ key: value }`: only the value binds.
            "pair_pattern" => {
                stack.extend(node.field("value"));
                continue;
            }
            // `x = default`, `{ a = 1 }`: only the left side binds.
            "assignment_pattern" | "object_assignment_pattern" => {
                stack.extend(node.field("left"));
                continue;
            }
            "required_parameter" | "optional_parameter" => {
                stack.extend(node.field("pattern"));
                continue;
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
}

/// What holds a function besides its name (see [`Function`]'s fields of these names).
#[derive(Default)]
struct Holder {
    class: Option<String>,
    member_of: Option<String>,
    keyed: bool,
}

fn enclosing_class(stack: &[Node<'_>], src: &str) -> Option<String> {
    stack
        .iter()
        .rev()
        .find(|n| {
            matches!(
                n.node_kind(),
                "class_declaration" | "class" | "abstract_class_declaration"
            )
        })
        .and_then(|c| c.field("name"))
        .map(|n| text(n, src).to_string())
}

pub(crate) fn first_parameter(function: Node<'_>, src: &str) -> Option<String> {
    if let Some(single) = function.field("parameter") {
        return Some(text(single, src).to_string());
    }
    let params = function.field("parameters")?;
    let first = syntax::nth_named(params, 0)?;
    let pattern = first.field("pattern").unwrap_or(first);
    (pattern.node_kind() == "identifier").then(|| text(pattern, src).to_string())
}

/// The first line of a node, capped: where to point at an anonymous function.
fn head_span(node: Node<'_>) -> Span {
    let start = node.start_byte();
    let end = node.end_byte().min(start + 40);
    Span::new(start, end)
}

/// A TypeScript file's tree, for unit tests.
#[cfg(test)]
pub(crate) fn test_tree(src: &str) -> tree_sitter::Tree {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into())
        .expect("grammar");
    parser.parse(src, None).expect("tree")
}

#[cfg(test)]
mod tests {
    use auditlint_core::facts::{Effects, GuardStep, HandlerBody, HandlerKind, Language};

    use super::extract;

    /// The inline handlers on the error path of the file's first operation.
    fn handlers(source: &str) -> Vec<(HandlerKind, Effects, String)> {
        let facts = extract(source, Language::TypeScript).expect("parses");
        let op = facts.ops.first().expect("an operation");
        op.guard
            .iter()
            .filter_map(|step| match step {
                GuardStep::Handler(h) => match &h.body {
                    HandlerBody::Inline(effects) => {
                        Some((h.kind, effects.clone(), source[h.span.range()].to_string()))
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    /// The fix site of the first handler of the file's first operation, with the text of its
    /// binder (or of the span a name goes in) and of its body.
    fn site(source: &str) -> Option<(String, String, String)> {
        use auditlint_core::facts::{ErrorBinder, SiteBody};
        let facts = extract(source, Language::TypeScript).expect("parses");
        let handler = facts
            .ops
            .first()?
            .guard
            .iter()
            .find_map(|step| match step {
                GuardStep::Handler(h) => Some(h),
                _ => None,
            })?;
        let site = handler.site.as_ref()?;
        let binder = match &site.binder {
            ErrorBinder::Named(name) => format!("named {name}"),
            ErrorBinder::Unnamed {
                span,
                before,
                after,
            } => format!("at `{}`: {before}…{after}", &source[span.range()]),
            ErrorBinder::Rewrite => "rewrite".to_string(),
        };
        let body = match &site.body {
            SiteBody::Block(span) => format!("block {}", &source[span.range()]),
            SiteBody::Expression(span) => format!("expression {}", &source[span.range()]),
            SiteBody::Discarded { .. } => "discarded".to_string(),
        };
        Some((binder, body, format!("own_this {}", site.own_this)))
    }

    #[test]
    fn a_function_assigned_to_a_member_records_its_object() {
        let source = "function auth(req, res) {\n  req.audit = async (d) => { await write(d); };\n  res.locals.log = function (m) {};\n  this.save = () => {};\n  exports.record = async () => {};\n  module.exports.emit = () => {};\n  make().send = () => {};\n  const local = () => {};\n}\nmodule.exports = async function logAudit() {};\n";
        let facts = extract(source, Language::JavaScript).expect("parses");
        let members: Vec<(Option<&str>, Option<&str>)> = facts
            .functions
            .iter()
            .filter(|f| f.name.is_some())
            .map(|f| (f.name.as_deref(), f.member_of.as_deref()))
            .collect();
        assert_eq!(
            members,
            [
                (Some("auth"), None),
                (Some("audit"), Some("req")),
                (Some("log"), Some("res.locals")),
                // A method-like `this.` member, CommonJS exports and a call's result: no object
                // a receiver can be named after.
                (Some("save"), None),
                (Some("record"), None),
                (Some("emit"), None),
                (Some("send"), None),
                (Some("local"), None),
                (Some("exports"), None),
            ]
        );
    }

    #[test]
    fn a_function_an_object_key_names_is_keyed() {
        let source = "const api = { write: async () => {}, async read() {}, \"del\": function () {} };\nclass C { save() {} }\nfunction top() {}\nconst bound = () => {};\nrun({ emit: () => {} });\n";
        let facts = extract(source, Language::TypeScript).expect("parses");
        let keyed: Vec<(&str, bool, bool)> = facts
            .functions
            .iter()
            .filter_map(|f| Some((f.name.as_deref()?, f.keyed, f.callable_by_name())))
            .collect();
        assert_eq!(
            keyed,
            [
                ("write", true, false),
                ("read", true, false),
                ("del", true, false),
                ("save", false, false),
                ("top", false, true),
                ("bound", false, true),
                ("emit", true, false),
            ]
        );
    }

    #[test]
    fn handlers_record_where_a_fix_can_log() {
        let site = |s: &str| site(s).map(|(a, b, c)| format!("{a} | {b} | {c}"));
        assert_eq!(
            site("async function f() {\n  try { await write(); } catch {}\n}\n").as_deref(),
            Some("at ``:  (…) | block {} | own_this false")
        );
        assert_eq!(
            site("async function f() {\n  try { await write(); } catch (err: unknown) { }\n}\n")
                .as_deref(),
            Some("named err | block { } | own_this false")
        );
        assert_eq!(
            site("function f() { return write().catch(() => null); }").as_deref(),
            Some("at `()`: (…) | expression null | own_this false")
        );
        assert_eq!(
            site("function f() { write().then(ok, e => { }); }").as_deref(),
            Some("named e | block { } | own_this false")
        );
        assert_eq!(
            site("function f() { write().catch(function () {}); }").as_deref(),
            Some("at `()`: (…) | block {} | own_this true")
        );
        // No sound edit: a handler by reference, a destructured error.
        assert_eq!(site("function f() { write().catch(noop); }"), None);
        assert_eq!(
            site("async function f() { try { await write(); } catch ({ message }) {} }"),
            None
        );
        assert_eq!(
            site("function f() { write().catch(({ code }) => {}); }"),
            None
        );
    }

    #[test]
    fn a_comment_after_the_closing_brace_is_not_inside_the_handler() {
        let found =
            handlers("async function f() {\n  try { await write(); } catch (e) {} // why\n}\n");
        let [(kind, effects, text)] = found.as_slice() else {
            panic!("{found:?}")
        };
        assert_eq!(*kind, HandlerKind::CatchClause);
        assert!(effects.is_empty && !effects.has_comments, "{effects:?}");
        assert_eq!(text, "catch (e) {}");

        let found = handlers(
            "async function f() {\n  try { await write(); } catch {\n    // why\n  }\n}\n",
        );
        assert!(found[0].1.is_empty && found[0].1.has_comments);
    }

    #[test]
    fn comments_do_not_count_as_arguments() {
        let found = handlers("write().then( // note\n  (row) => row.id,\n  () => {},\n);\n");
        let [(kind, effects, _)] = found.as_slice() else {
            panic!("{found:?}")
        };
        assert_eq!(*kind, HandlerKind::RejectionCallback);
        assert!(effects.is_empty, "{effects:?}");
    }
}

#[cfg(test)]
mod incremental_tests {
    use super::*;

    /// A repaired text is parsed from the tree of the text it masks (re-parsed where it was
    /// masked): the tree is the one a fresh parse of the repaired text gives.
    #[test]
    fn repaired_parse_equals_a_fresh_one() {
        let cases = [
            (
                Language::Tsx,
                "export const T = () => (\n  <a href=\"/t?a=1&b=2\">Terms & Conditions</a>\n);\nconst x = 1;\n",
            ),
            (
                Language::TypeScript,
                "const m = await importOriginal<typeof import(\"./mod\")>();\nlet e: import(\"fs\").Dirent[];\nexport function f() { return 1; }\n",
            ),
            (
                Language::TypeScript,
                "import a from \"./a\";\nexport type * from \"./types\";\nexport const b = 2;\n",
            ),
            (
                Language::TypeScript,
                "type F = (string) => any;\nconst g = (x: number) => x + 1;\n",
            ),
        ];
        let mut repaired_cases = 0;
        for (language, source) in cases {
            let deadline = ParseDeadline::start(source.len());
            let tree = parse(source, language, None, &deadline).expect("parses");
            let Some((masked, incremental)) =
                repaired(source, language, &tree, &deadline).expect("repairs")
            else {
                continue;
            };
            repaired_cases += 1;
            let fresh = parse(&masked, language, None, &deadline).expect("parses");
            assert_eq!(
                incremental.root_node().to_sexp(),
                fresh.root_node().to_sexp(),
                "{source}"
            );
        }
        assert!(repaired_cases >= 3, "{repaired_cases}");
    }

    #[test]
    fn incremental_extraction_matches_a_fresh_one() {
        let old = "export async function f(db: D1Database) {\n  try {\n    await db.prepare(\"INSERT INTO audit_log (a) VALUES (1)\").run();\n  } catch (e) {}\n}\n";
        let new = old.replace("catch (e) {}", "catch (e) {\n    console.warn(e);\n  }");
        let (_, tree) = extract_incremental(old, Language::TypeScript, None).unwrap();
        let (incremental, _) =
            extract_incremental(&new, Language::TypeScript, Some((old, &tree))).unwrap();
        let fresh = extract(&new, Language::TypeScript).unwrap();
        assert_eq!(format!("{:?}", incremental.ops), format!("{:?}", fresh.ops));
        assert_eq!(incremental.ops.len(), fresh.ops.len());
    }

    /// A call naming two constants declared after it, one inside the other's name: the
    /// longest is the one it names, every time (the map of constants has no order).
    #[test]
    fn a_forward_constant_is_the_longest_name_the_call_holds() {
        let src = "export async function f(db) {\n  await db.prepare(INSERT_AUDIT_V2).run();\n}\nconst INSERT_AUDIT = \"INSERT INTO audit_log (a) VALUES (?)\";\nconst INSERT_AUDIT_V2 = \"INSERT INTO audit_log_v2 (a) VALUES (?)\";\n";
        for _ in 0..20 {
            let facts = extract(src, Language::TypeScript).expect("parses");
            let tables: Vec<_> = facts
                .ops
                .iter()
                .filter_map(|op| match &op.sink {
                    Some(auditlint_core::facts::SinkSyntax::SqlInsert { table }) => {
                        Some(table.as_str())
                    }
                    _ => None,
                })
                .collect();
            assert_eq!(tables, ["audit_log_v2"]);
        }
    }
}
