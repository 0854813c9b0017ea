//! The walk over one parsed Go file: functions, types, imports, string constants, and every
//! call chain with what happens to its error (guard steps) and to its value (result use).
//!
//! Pass one collects declarations and the calls, on an explicit stack (depth-limited); pass
//! two judges each outermost call of a chain by climbing its parent links. Every subtree scan
//! is iterative and bounded.

use std::collections::HashMap;

use auditlint_core::Span;
use auditlint_core::facts::{
    Binding, BindingSource, FileFacts, FnId, Function, GuardStep, Handler, HandlerBody,
    HandlerKind, Import, Imported, Operation, ResultUse, SinkSyntax, TypeDecl, ValueCheck,
};
use auditlint_core::sql::insert_table;
use auditlint_core::tree::{Look, search};
use tree_sitter::{Node, Tree};

use crate::MAX_DEPTH;

/// Nodes looked at, at most, when scanning the rest of a function for a name.
const MAX_SCAN_NODES: usize = 50_000;

/// Function bodies with more statements than this are not summarised as handlers.
const MAX_HANDLER_STATEMENTS: usize = 20;

/// `database/sql`, sqlx, pgx and GORM methods that run the SQL text they are given.
const SQL_METHODS: &[&str] = &[
    "Exec",
    "ExecContext",
    "Query",
    "QueryContext",
    "QueryRow",
    "QueryRowContext",
    "Queryx",
    "QueryxContext",
    "QueryRowx",
    "QueryRowxContext",
    "NamedExec",
    "NamedExecContext",
    "NamedQuery",
    "NamedQueryContext",
    "MustExec",
    "MustExecContext",
    "Get",
    "GetContext",
    "Select",
    "SelectContext",
    "Raw",
    "Queue",
    "SendBatch",
];

/// Argument types that are never a model (`repo.Create(ctx, &row)`: the row is).
const NOT_MODELS: &[&str] = &[
    "Context",
    "DB",
    "Tx",
    "Conn",
    "Pool",
    "string",
    "int",
    "int64",
    "int32",
    "uint",
    "uint64",
    "bool",
    "any",
    "error",
    "Request",
    "ResponseWriter",
];

/// GORM methods that insert the model they are given.
const GORM_CREATES: &[&str] = &["Create", "CreateInBatches", "Save", "FirstOrCreate"];

pub(crate) struct Walker<'t> {
    src: &'t str,
    facts: FileFacts,
    /// Function nodes (by id) → their index.
    fn_ids: HashMap<usize, FnId>,
    fn_info: Vec<FnInfo<'t>>,
    /// File-level `const`/`var` string values (sqlc's `const createAuditLog = "INSERT …"`).
    consts: HashMap<String, String>,
    /// String values of local variables, by function.
    local_strings: HashMap<(Option<FnId>, String), String>,
    /// Type names of local variables (`entry := AuditLog{..}`), by function.
    local_types: HashMap<(Option<FnId>, String), String>,
    /// `req, _ := http.NewRequest("POST", url, ..)`: the URL of a write request, by variable.
    requests: HashMap<(Option<FnId>, String), String>,
    /// Calls and the function they are in, in source order.
    calls: Vec<(Node<'t>, Option<FnId>)>,
    /// How many closure-to-helper continuations [`Self::then_exit`] is inside (nested closures).
    closure_hops: std::cell::Cell<u32>,
}

struct FnInfo<'t> {
    node: Node<'t>,
    /// Declares an `error` result: an error can leave it by `return`.
    returns_error: bool,
    named_results: Vec<String>,
}

/// The text of a node.
pub(crate) fn text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

fn span(node: Node<'_>) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

/// `err`, `insertErr`, `ErrAuditFailed`, `Errorf`: a name that holds or makes an error.
pub(crate) fn is_errish(name: &str) -> bool {
    name == "err"
        || name.starts_with("err")
        || name.starts_with("Err")
        || name.ends_with("Err")
        || name.ends_with("Error")
        || name.ends_with("Errorf")
        || name == "e"
}

/// The dotted path of a callee expression, inner calls marked `()`: `db.Table().Create`.
pub(crate) fn callee_path(node: Node<'_>, src: &str) -> String {
    let mut segments: Vec<String> = Vec::new();
    let mut current = node;
    for _ in 0..256 {
        match current.kind() {
            "identifier" | "field_identifier" | "package_identifier" | "type_identifier" => {
                segments.push(text(current, src).to_string());
                break;
            }
            "selector_expression" => {
                let field = current
                    .child_by_field_name("field")
                    .map(|f| text(f, src))
                    .unwrap_or("");
                segments.push(field.to_string());
                match current.child_by_field_name("operand") {
                    Some(operand) => current = operand,
                    None => break,
                }
            }
            "call_expression" => {
                match segments.last_mut() {
                    Some(last) => last.insert_str(0, "()."),
                    None => segments.push("()".to_string()),
                }
                match current.child_by_field_name("function") {
                    Some(function) => current = function,
                    None => break,
                }
            }
            "parenthesized_expression" | "unary_expression" => match current.named_child(0) {
                Some(inner) if current.kind() == "parenthesized_expression" => current = inner,
                _ => {
                    segments.push("[expr]".to_string());
                    break;
                }
            },
            "index_expression" | "generic_type" => {
                // `Generic[T](..)` or `handlers[i](..)`: not a path a project function has.
                segments.push("[index]".to_string());
                break;
            }
            _ => {
                segments.push(format!("[{}]", current.kind()));
                break;
            }
        }
    }
    segments.reverse();
    let mut out = String::new();
    for segment in segments {
        if !out.is_empty() && !segment.starts_with("().") {
            out.push('.');
        } else if let Some(rest) = segment.strip_prefix("().") {
            out.push_str("().");
            out.push_str(rest);
            continue;
        }
        out.push_str(&segment);
    }
    out
}

/// The last identifier of a type: `*models.AuditLog` → `AuditLog`, `[]T` → `T`.
fn type_name(node: Node<'_>, src: &str) -> Option<String> {
    let mut current = node;
    for _ in 0..32 {
        match current.kind() {
            "type_identifier" | "identifier" => return Some(text(current, src).to_string()),
            "qualified_type" => {
                return current
                    .child_by_field_name("name")
                    .map(|n| text(n, src).to_string());
            }
            "pointer_type" | "slice_type" | "array_type" | "parenthesized_type" => {
                current = current.child_by_field_name("element").or_else(|| {
                    current.named_child(current.named_child_count().saturating_sub(1) as u32)
                })?;
            }
            "generic_type" => current = current.child_by_field_name("type")?,
            _ => return None,
        }
    }
    None
}

/// The names a parameter list or a result type holds (`(ctx context.Context, id string)`).
fn param_names_and_types<'n>(list: Node<'n>, src: &str) -> Vec<(Option<String>, Node<'n>)> {
    let mut out = Vec::new();
    if list.kind() != "parameter_list" {
        out.push((None, list));
        return out;
    }
    for i in 0..list.named_child_count() {
        let Some(param) = list.named_child(i as u32) else {
            continue;
        };
        let Some(ty) = param.child_by_field_name("type") else {
            continue;
        };
        let mut named = false;
        let mut cursor = param.walk();
        for name in param.children_by_field_name("name", &mut cursor) {
            named = true;
            out.push((Some(text(name, src).to_string()), ty));
        }
        if !named {
            out.push((None, ty));
        }
    }
    out
}

/// The string a Go expression spells: literals, raw strings, `+` of them, constants,
/// `fmt.Sprintf`'s format.
fn string_value(
    node: Node<'_>,
    src: &str,
    consts: &HashMap<String, String>,
    locals: &HashMap<(Option<FnId>, String), String>,
    scope: Option<FnId>,
) -> Option<String> {
    let mut out = String::new();
    let mut stack = vec![node];
    let mut any = false;
    let mut seen = 0;
    while let Some(current) = stack.pop() {
        seen += 1;
        if seen > 512 {
            break;
        }
        match current.kind() {
            "interpreted_string_literal" | "raw_string_literal" => {
                let raw = text(current, src);
                out.push_str(raw.get(1..raw.len().saturating_sub(1)).unwrap_or(""));
                any = true;
            }
            "binary_expression" => {
                if let (Some(left), Some(right)) = (
                    current.child_by_field_name("left"),
                    current.child_by_field_name("right"),
                ) {
                    stack.push(right);
                    stack.push(left);
                }
            }
            "parenthesized_expression" => stack.extend(current.named_child(0)),
            "identifier" => {
                let name = text(current, src);
                if let Some(value) = locals
                    .get(&(scope, name.to_string()))
                    .or_else(|| consts.get(name))
                {
                    out.push_str(value);
                    any = true;
                } else {
                    // An unknown piece: a table name interpolated at run time.
                    out.push(' ');
                }
            }
            "call_expression" => {
                let path = current
                    .child_by_field_name("function")
                    .map(|f| callee_path(f, src))
                    .unwrap_or_default();
                if matches!(path.as_str(), "fmt.Sprintf" | "strings.Join")
                    && let Some(first) = current
                        .child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0))
                {
                    stack.push(first);
                }
            }
            _ => out.push(' '),
        }
    }
    any.then_some(out)
}

/// The node that carries a value up: through parentheses.
fn climb(mut node: Node<'_>) -> Node<'_> {
    while let Some(parent) = node.parent() {
        if parent.kind() == "parenthesized_expression" {
            node = parent;
        } else {
            break;
        }
    }
    node
}

/// Is `node` the outermost call of a chain (not the receiver of a further call)?
fn is_outermost_call(node: Node<'_>) -> bool {
    let up = climb(node);
    let Some(parent) = up.parent() else {
        return true;
    };
    if parent.kind() != "selector_expression" {
        return true;
    }
    let Some(grand) = parent.parent() else {
        return true;
    };
    !(grand.kind() == "call_expression"
        && grand
            .child_by_field_name("function")
            .is_some_and(|f| f.id() == parent.id()))
}

/// The calls of a chain, innermost first: `db.Table(t).Create(&e)` → `Table`, `Create`.
fn chain_calls(outer: Node<'_>) -> Vec<Node<'_>> {
    let mut calls = Vec::new();
    let mut current = outer;
    for _ in 0..256 {
        match current.kind() {
            "call_expression" => {
                calls.push(current);
                match current.child_by_field_name("function") {
                    Some(f) => current = f,
                    None => break,
                }
            }
            "selector_expression" => match current.child_by_field_name("operand") {
                Some(operand) => current = operand,
                None => break,
            },
            "parenthesized_expression" => match current.named_child(0) {
                Some(inner) => current = inner,
                None => break,
            },
            _ => break,
        }
    }
    calls.reverse();
    calls
}

fn method_of(call: Node<'_>, src: &str) -> String {
    call.child_by_field_name("function")
        .map(|f| match f.kind() {
            "selector_expression" => f
                .child_by_field_name("field")
                .map(|x| text(x, src).to_string())
                .unwrap_or_default(),
            _ => text(f, src).to_string(),
        })
        .unwrap_or_default()
}

fn arguments(call: Node<'_>) -> Vec<Node<'_>> {
    let Some(args) = call.child_by_field_name("arguments") else {
        return Vec::new();
    };
    (0..args.named_child_count())
        .filter_map(|i| args.named_child(i as u32))
        .collect()
}

/// `AuditLog` → `audit_logs`: GORM's default table name for a model.
fn gorm_table(model: &str) -> String {
    let mut snake = auditlint_core::vocab::to_snake(model);
    if !snake.ends_with('s') {
        snake.push('s');
    }
    snake
}

/// Does the subtree at `node` contain the identifier `name`?
fn mentions(node: Node<'_>, name: &str, src: &str) -> bool {
    search(node, MAX_SCAN_NODES, |current| {
        if current.kind() == "identifier" && text(current, src) == name {
            Look::Found(())
        } else {
            Look::Enter
        }
    })
    .is_some()
}

/// The names on the left of an assignment or declaration.
fn left_names<'s>(statement: Node<'_>, src: &'s str) -> Vec<&'s str> {
    let Some(left) = statement.child_by_field_name("left") else {
        let mut cursor = statement.walk();
        return statement
            .children_by_field_name("name", &mut cursor)
            .map(|n| text(n, src))
            .collect();
    };
    (0..left.named_child_count())
        .filter_map(|i| left.named_child(i as u32))
        .map(|n| text(n, src))
        .collect()
}

/// Is `name` assigned (on the left) by this statement?
fn assigns(statement: Node<'_>, name: &str, src: &str) -> bool {
    matches!(
        statement.kind(),
        "short_var_declaration" | "assignment_statement"
    ) && left_names(statement, src).contains(&name)
}

/// The statements that run after `statement`, nearest first: its later siblings, then those of
/// each enclosing block up to the function body.
fn later_statements(statement: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut current = statement;
    for _ in 0..MAX_DEPTH {
        let mut next = current.next_named_sibling();
        while let Some(sibling) = next {
            if sibling.kind() != "comment" {
                out.push(sibling);
            }
            next = sibling.next_named_sibling();
        }
        let Some(parent) = current.parent() else {
            break;
        };
        if matches!(
            parent.kind(),
            "function_declaration" | "method_declaration" | "func_literal" | "source_file"
        ) {
            break;
        }
        current = parent;
    }
    out
}

/// The statement a node belongs to (climbing expressions).
fn statement_of(node: Node<'_>) -> Node<'_> {
    let mut current = node;
    for _ in 0..MAX_DEPTH {
        let Some(parent) = current.parent() else {
            break;
        };
        if matches!(parent.kind(), "statement_list" | "block" | "source_file") {
            break;
        }
        if parent.kind() == "if_statement"
            && parent
                .child_by_field_name("initializer")
                .is_some_and(|i| i.id() == current.id())
        {
            break;
        }
        current = parent;
    }
    current
}

impl<'t> Walker<'t> {
    pub(crate) fn run(src: &'t str, tree: &'t Tree) -> FileFacts {
        let mut walker = Walker {
            src,
            facts: FileFacts::default(),
            fn_ids: HashMap::new(),
            fn_info: Vec::new(),
            consts: HashMap::new(),
            local_strings: HashMap::new(),
            local_types: HashMap::new(),
            requests: HashMap::new(),
            calls: Vec::new(),
            closure_hops: std::cell::Cell::new(0),
        };
        walker.collect(tree.root_node());
        walker.gorm_models();
        let calls = std::mem::take(&mut walker.calls);
        for (call, scope) in calls {
            if is_outermost_call(call) {
                walker.operation(call, scope);
            }
        }
        walker.facts
    }

    /// Pass one: declarations and calls, on an explicit stack.
    fn collect(&mut self, root: Node<'t>) {
        let mut stack: Vec<(Node<'t>, usize, Option<FnId>)> = vec![(root, 0, None)];
        while let Some((node, depth, scope)) = stack.pop() {
            if depth > MAX_DEPTH {
                let truncated = self.facts.truncated_at_depth.get_or_insert(depth as u32);
                *truncated = (*truncated).min(depth as u32);
                continue;
            }
            if (node.is_error() || node.is_missing()) && self.facts.syntax_errors.len() < 100 {
                self.facts.syntax_errors.push(span(node));
            }
            let mut inner = scope;
            match node.kind() {
                "function_declaration" | "method_declaration" | "func_literal" => {
                    inner = Some(self.function(node, scope));
                }
                "import_spec" => self.import(node),
                "const_spec" | "var_spec" => self.value_spec(node, scope),
                "short_var_declaration" | "assignment_statement" => self.local(node, scope),
                "type_spec" => self.type_spec(node),
                "call_expression" => self.calls.push((node, scope)),
                "return_statement" => self.returned_fields(node, scope),
                _ => {}
            }
            for i in (0..node.child_count()).rev() {
                if let Some(child) = node.child(i) {
                    stack.push((child, depth + 1, inner));
                }
            }
        }
    }

    fn function(&mut self, node: Node<'t>, parent: Option<FnId>) -> FnId {
        let id = self.facts.functions.len() as FnId;
        self.fn_ids.insert(node.id(), id);
        let src = self.src;
        let name = node
            .child_by_field_name("name")
            .map(|n| text(n, src).to_string());
        let mut class = None;
        let mut locals = Vec::new();
        if let Some(receiver) = node.child_by_field_name("receiver") {
            for (param, ty) in param_names_and_types(receiver, src) {
                class = type_name(ty, src);
                if let (Some(param), Some(class)) = (param, &class) {
                    self.facts.bindings.push(Binding {
                        name: param.clone(),
                        scope: Some(id),
                        source: BindingSource::Type(class.clone()),
                    });
                    locals.push(param);
                }
            }
        }
        if let Some(params) = node.child_by_field_name("parameters") {
            for (param, ty) in param_names_and_types(params, src) {
                let Some(param) = param else { continue };
                if let Some(ty_name) = type_name(ty, src) {
                    self.local_types
                        .insert((Some(id), param.clone()), ty_name.clone());
                    self.facts.bindings.push(Binding {
                        name: param.clone(),
                        scope: Some(id),
                        source: BindingSource::Type(ty_name),
                    });
                }
                locals.push(param);
            }
        }
        let mut return_type_names = Vec::new();
        let mut named_results = Vec::new();
        let mut returns_error = false;
        if let Some(result) = node.child_by_field_name("result") {
            for (param, ty) in param_names_and_types(result, src) {
                if let Some(ty_name) = type_name(ty, src) {
                    returns_error |= ty_name == "error";
                    return_type_names.push(ty_name);
                }
                named_results.extend(param);
            }
        }
        let body = node.child_by_field_name("body");
        let effects = body
            .filter(|b| crate::effects::statements_of(*b).len() <= MAX_HANDLER_STATEMENTS)
            .map(|b| crate::effects::of(b, src));
        let head = if name.is_none() {
            Span::new(node.start_byte(), node.start_byte() + 4)
        } else {
            node.child_by_field_name("name").map_or(span(node), span)
        };
        self.facts.functions.push(Function {
            name,
            class,
            span: head,
            is_async: false,
            returned_fields: Vec::new(),
            return_type_names,
            return_type_fields: Vec::new(),
            effects,
            parent,
            locals,
            implements: None,
            member_of: None,
            keyed: false,
        });
        self.fn_info.push(FnInfo {
            node,
            returns_error,
            named_results,
        });
        id
    }

    fn import(&mut self, node: Node<'t>) {
        let src = self.src;
        let Some(path) = node.child_by_field_name("path") else {
            return;
        };
        let raw = text(path, src);
        let source = raw
            .get(1..raw.len().saturating_sub(1))
            .unwrap_or("")
            .to_string();
        let local = match node.child_by_field_name("name") {
            Some(name) => text(name, src).to_string(),
            None => package_name(&source).to_string(),
        };
        if local == "_" {
            return;
        }
        self.facts.imports.push(Import {
            local,
            imported: Imported::Namespace,
            source,
        });
    }

    /// `const createAuditLog = "INSERT …"`, `var table = "audit_log"`, `var x AuditStore`.
    fn value_spec(&mut self, node: Node<'t>, scope: Option<FnId>) {
        let src = self.src;
        let names: Vec<String> = left_names(node, src)
            .iter()
            .map(|s| s.to_string())
            .collect();
        if let Some(ty) = node
            .child_by_field_name("type")
            .and_then(|t| type_name(t, src))
        {
            for name in &names {
                self.local_types.insert((scope, name.clone()), ty.clone());
                self.facts.bindings.push(Binding {
                    name: name.clone(),
                    scope,
                    source: BindingSource::Type(ty.clone()),
                });
            }
        }
        if scope.is_none() && node.kind() == "var_spec" {
            self.facts.module_locals.extend(names.iter().cloned());
        }
        let Some(values) = node.child_by_field_name("value") else {
            return;
        };
        for (i, name) in names.iter().enumerate() {
            let Some(value) = values.named_child(i as u32) else {
                continue;
            };
            if let Some(string) = string_value(value, src, &self.consts, &self.local_strings, scope)
            {
                if scope.is_none() {
                    self.consts.insert(name.clone(), string);
                } else {
                    self.local_strings.insert((scope, name.clone()), string);
                }
            }
        }
    }

    /// `q := "INSERT …"`, `entry := &AuditLog{..}`, `store := NewAuditStore(db)`,
    /// `req, err := http.NewRequest("POST", url, body)`.
    fn local(&mut self, node: Node<'t>, scope: Option<FnId>) {
        let src = self.src;
        let names: Vec<String> = left_names(node, src)
            .iter()
            .map(|s| s.to_string())
            .collect();
        if let Some(function) = scope.and_then(|s| self.facts.functions.get_mut(s as usize))
            && node.kind() == "short_var_declaration"
        {
            for name in &names {
                if name != "_" && !function.locals.contains(name) {
                    function.locals.push(name.clone());
                }
            }
        }
        let Some(right) = node.child_by_field_name("right") else {
            return;
        };
        let Some(value) = right.named_child(0) else {
            return;
        };
        let Some(first) = names.first() else {
            return;
        };
        if let Some(string) = string_value(value, src, &self.consts, &self.local_strings, scope)
            && names.len() == 1
        {
            self.local_strings.insert((scope, first.clone()), string);
        }
        let mut value = value;
        if value.kind() == "unary_expression"
            && let Some(operand) = value.child_by_field_name("operand")
        {
            value = operand;
        }
        match value.kind() {
            "composite_literal" => {
                if let Some(ty) = value
                    .child_by_field_name("type")
                    .and_then(|t| type_name(t, src))
                {
                    self.local_types.insert((scope, first.clone()), ty.clone());
                    self.facts.bindings.push(Binding {
                        name: first.clone(),
                        scope,
                        source: BindingSource::Type(ty),
                    });
                }
            }
            "call_expression" => {
                let path = value
                    .child_by_field_name("function")
                    .map(|f| callee_path(f, src))
                    .unwrap_or_default();
                if matches!(
                    path.as_str(),
                    "http.NewRequest" | "http.NewRequestWithContext"
                ) {
                    let args = arguments(value);
                    let at = usize::from(path.ends_with("Context"));
                    let method = args.get(at).map(|m| text(*m, src)).unwrap_or("");
                    let writes = [
                        "POST",
                        "PUT",
                        "PATCH",
                        "MethodPost",
                        "MethodPut",
                        "MethodPatch",
                    ]
                    .iter()
                    .any(|m| method.trim_matches('"').ends_with(m));
                    if writes
                        && let Some(url) = args.get(at + 1).and_then(|u| {
                            string_value(*u, src, &self.consts, &self.local_strings, scope)
                        })
                    {
                        self.requests.insert((scope, first.clone()), url);
                    }
                } else if !path.contains('[') && !path.contains("()") {
                    // Go's constructor convention: `NewAuditLog(..)` returns an `AuditLog`.
                    let last = path.rsplit('.').next().unwrap_or(&path);
                    if let Some(ty) = last.strip_prefix("New")
                        && ty.starts_with(|c: char| c.is_ascii_uppercase())
                    {
                        self.local_types
                            .insert((scope, first.clone()), ty.to_string());
                    }
                    self.facts.bindings.push(Binding {
                        name: first.clone(),
                        scope,
                        source: BindingSource::Call(path),
                    });
                }
            }
            _ => {}
        }
    }

    /// GORM models: every struct is a table object named by its type, for the table its
    /// `TableName()` method in the same file returns, or GORM's default (`AuditLog` →
    /// `audit_logs`).
    fn gorm_models(&mut self) {
        let src = self.src;
        let mut table_names: HashMap<String, String> = HashMap::new();
        for info in &self.fn_info {
            let node = info.node;
            if node.kind() != "method_declaration"
                || node
                    .child_by_field_name("name")
                    .is_none_or(|n| text(n, src) != "TableName")
            {
                continue;
            }
            let Some(class) = node.child_by_field_name("receiver").and_then(|r| {
                param_names_and_types(r, src)
                    .first()
                    .and_then(|(_, t)| type_name(*t, src))
            }) else {
                continue;
            };
            let returned = node
                .child_by_field_name("body")
                .map(crate::effects::statements_of)
                .and_then(|statements| statements.first().copied())
                .filter(|s| s.kind() == "return_statement")
                .and_then(|s| s.named_child(0))
                .and_then(|list| list.named_child(0))
                .and_then(|value| string_value(value, src, &self.consts, &HashMap::new(), None));
            if let Some(table) = returned {
                table_names.insert(class, table);
            }
        }
        for decl in &self.facts.types {
            if decl.fields.iter().all(|(f, _)| f.ends_with("()")) && decl.names.is_empty() {
                continue;
            }
            let table = table_names
                .remove(&decl.name)
                .unwrap_or_else(|| gorm_table(&decl.name));
            self.facts
                .table_objects
                .push(auditlint_core::facts::TableObject {
                    name: decl.name.clone(),
                    table,
                    span: Span::default(),
                });
        }
        for (name, table) in table_names {
            self.facts
                .table_objects
                .push(auditlint_core::facts::TableObject {
                    name,
                    table,
                    span: Span::default(),
                });
        }
    }

    /// Structs (fields with their JSON names, embedded types, field types as bindings
    /// `Struct::field`) and interfaces.
    fn type_spec(&mut self, node: Node<'t>) {
        let src = self.src;
        let Some(name) = node
            .child_by_field_name("name")
            .map(|n| text(n, src).to_string())
        else {
            return;
        };
        let Some(ty) = node.child_by_field_name("type") else {
            return;
        };
        let mut decl = TypeDecl {
            name: name.clone(),
            fields: Vec::new(),
            names: Vec::new(),
        };
        if ty.kind() == "struct_type" {
            let Some(list) = ty.named_child(0) else {
                return;
            };
            for i in 0..list.named_child_count() {
                let Some(field) = list.named_child(i as u32) else {
                    continue;
                };
                if field.kind() != "field_declaration" {
                    continue;
                }
                let field_type = field.child_by_field_name("type");
                let field_type_name = field_type.and_then(|t| type_name(t, src));
                let mut cursor = field.walk();
                let names: Vec<Node<'t>> =
                    field.children_by_field_name("name", &mut cursor).collect();
                if names.is_empty() {
                    // An embedded type: its fields are this struct's.
                    decl.names.extend(field_type_name.clone());
                    continue;
                }
                let json = field
                    .child_by_field_name("tag")
                    .and_then(|tag| json_name(text(tag, src)));
                for field_name in names {
                    let field_name_text = text(field_name, src).to_string();
                    decl.fields
                        .push((field_name_text.clone(), span(field_name)));
                    if let Some(json) = &json
                        && *json != field_name_text
                    {
                        decl.fields.push((format!("json:{json}"), span(field_name)));
                    }
                    if let Some(field_type) = &field_type_name {
                        self.facts.bindings.push(Binding {
                            name: format!("{name}::{field_name_text}"),
                            scope: None,
                            source: BindingSource::Type(field_type.clone()),
                        });
                    }
                }
            }
        } else if ty.kind() == "interface_type" {
            // Its methods as `Record()`: the index looks an interface up by a method it declares.
            for i in 0..ty.named_child_count() {
                if let Some(method) = ty.named_child(i as u32)
                    && method.kind() == "method_elem"
                    && let Some(name) = method.child_by_field_name("name")
                {
                    decl.fields
                        .push((format!("{}()", text(name, src)), span(name)));
                }
            }
        } else {
            return;
        }
        self.facts.types.push(decl);
    }

    /// `return Result{Upgraded: up, AuditLogged: logged}`: keys of returned composite literals.
    fn returned_fields(&mut self, node: Node<'t>, scope: Option<FnId>) {
        let Some(scope) = scope else { return };
        let Some(list) = node.named_child(0) else {
            return;
        };
        let src = self.src;
        let mut found = Vec::new();
        for i in 0..list.named_child_count() {
            let Some(mut value) = list.named_child(i as u32) else {
                continue;
            };
            if value.kind() == "unary_expression"
                && let Some(operand) = value.child_by_field_name("operand")
            {
                value = operand;
            }
            if value.kind() != "composite_literal" {
                continue;
            }
            let Some(body) = value.child_by_field_name("body") else {
                continue;
            };
            for j in 0..body.named_child_count() {
                if let Some(element) = body.named_child(j as u32)
                    && element.kind() == "keyed_element"
                    && let Some(key) = element.named_child(0)
                {
                    found.push((text(key, src).trim().to_string(), span(key)));
                }
            }
        }
        if let Some(function) = self.facts.functions.get_mut(scope as usize) {
            function.returned_fields.extend(found);
        }
    }

    /// Pass two: one outermost call chain → an [`Operation`].
    fn operation(&mut self, call: Node<'t>, scope: Option<FnId>) {
        let src = self.src;
        let callee = call
            .child_by_field_name("function")
            .map(|f| callee_path(f, src))
            .unwrap_or_default();
        if callee.is_empty() {
            return;
        }
        let sink = self.sink(call, scope);
        let gorm = match &sink {
            Some(SinkSyntax::BuilderInsert { api, .. }) => *api == "gorm",
            Some(SinkSyntax::TableObjectInsert { .. }) => true,
            _ => false,
        };
        let (guard, result, value_check) = if gorm {
            self.gorm_fate(call, scope)
        } else {
            self.fate(call, scope)
        };
        self.facts.ops.push(Operation {
            span: span(call),
            callee,
            sink,
            is_promise: false,
            enclosing: scope,
            guard,
            value_check,
            result,
        });
    }

    /// The sink a chain's syntax names.
    fn sink(&self, outer: Node<'t>, scope: Option<FnId>) -> Option<SinkSyntax> {
        let src = self.src;
        let calls = chain_calls(outer);
        let mut gorm_table: Option<String> = None;
        let mut bun_insert = false;
        for (at, call) in calls.iter().enumerate() {
            let method = method_of(*call, src);
            let args = arguments(*call);
            let string_arg = |i: usize| {
                args.get(i)
                    .and_then(|a| string_value(*a, src, &self.consts, &self.local_strings, scope))
            };
            if SQL_METHODS.contains(&method.as_str()) {
                for i in 0..args.len().min(3) {
                    if let Some(table) = string_arg(i).as_deref().and_then(insert_table) {
                        return Some(SinkSyntax::SqlInsert { table });
                    }
                }
            }
            match method.as_str() {
                "CopyFrom" => {
                    // pgx: `conn.CopyFrom(ctx, pgx.Identifier{"audit_log"}, cols, rows)`.
                    for arg in &args {
                        if arg.kind() == "composite_literal"
                            && arg
                                .child_by_field_name("type")
                                .is_some_and(|t| text(t, src).ends_with("Identifier"))
                            && let Some(table) = arg
                                .child_by_field_name("body")
                                .map(|b| text(b, src))
                                .map(|b| {
                                    b.trim_matches(['{', '}'])
                                        .split(',')
                                        .map(|p| p.trim().trim_matches(['"', '`']))
                                        .filter(|p| !p.is_empty())
                                        .collect::<Vec<_>>()
                                        .join(".")
                                })
                            && !table.is_empty()
                        {
                            return Some(SinkSyntax::SqlInsert { table });
                        }
                    }
                }
                "Table" => gorm_table = string_arg(0),
                "Insert" | "InsertInto" => {
                    // squirrel `sq.Insert("audit_log")`, goqu `goqu.Insert("audit_log")`.
                    if let Some(table) = string_arg(0).filter(|t| !t.contains(' ')) {
                        return Some(SinkSyntax::BuilderInsert {
                            table,
                            api: "squirrel",
                        });
                    }
                }
                "NewInsert" => bun_insert = true,
                "Model" if bun_insert => {
                    if let Some(model) = args.first().and_then(|a| self.model_of(*a, scope)) {
                        return Some(SinkSyntax::ModelCreate { model });
                    }
                }
                "Create" | "CreateBulk" if args.is_empty() || method == "CreateBulk" => {
                    // ent: `client.AuditLog.Create().SetActor(..).Save(ctx)`.
                    let owner = call
                        .child_by_field_name("function")
                        .and_then(|f| f.child_by_field_name("operand"))
                        .filter(|o| o.kind() == "selector_expression")
                        .and_then(|o| o.child_by_field_name("field"))
                        .map(|f| text(f, src).to_string());
                    if let Some(model) =
                        owner.filter(|o| o.starts_with(|c: char| c.is_ascii_uppercase()))
                        && at + 1 < calls.len()
                    {
                        return Some(SinkSyntax::ModelCreate { model });
                    }
                }
                m if GORM_CREATES.contains(&m) && !args.is_empty() => {
                    if let Some(table) = gorm_table.clone() {
                        return Some(SinkSyntax::BuilderInsert { table, api: "gorm" });
                    }
                    // The model's table: its `TableName()` or GORM's default, recorded as a
                    // table object where the model is declared (see `type_spec`).
                    if let Some(object) = args.iter().find_map(|a| self.model_of(*a, scope)) {
                        return Some(SinkSyntax::TableObjectInsert { object });
                    }
                }
                "Post" | "PostForm" | "Put" | "Patch" => {
                    if let Some(url) = string_arg(0) {
                        return Some(SinkSyntax::HttpRequest { url });
                    }
                }
                "Do" => {
                    if let Some(arg) = args.first()
                        && arg.kind() == "identifier"
                        && let Some(url) = self.requests.get(&(scope, text(*arg, src).to_string()))
                    {
                        return Some(SinkSyntax::HttpRequest { url: url.clone() });
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The model a GORM/bun argument holds: `&AuditLog{..}`, `[]AuditLog{..}`, `&entry` with
    /// `entry := AuditLog{..}` or `entry *AuditLog`.
    fn model_of(&self, arg: Node<'t>, scope: Option<FnId>) -> Option<String> {
        self.model_type_of(arg, scope)
            .filter(|ty| !NOT_MODELS.contains(&ty.as_str()))
    }

    fn model_type_of(&self, arg: Node<'t>, scope: Option<FnId>) -> Option<String> {
        let src = self.src;
        let mut value = arg;
        if value.kind() == "unary_expression" {
            value = value.child_by_field_name("operand")?;
        }
        match value.kind() {
            "composite_literal" => value
                .child_by_field_name("type")
                .and_then(|t| type_name(t, src)),
            "identifier" => {
                let name = text(value, src).to_string();
                if name == "ctx" {
                    return None;
                }
                let mut at = scope;
                for _ in 0..64 {
                    if let Some(ty) = self.local_types.get(&(at, name.clone())) {
                        return Some(ty.clone());
                    }
                    let parent = at
                        .and_then(|s| self.facts.functions.get(s as usize))?
                        .parent;
                    at = parent;
                    if at.is_none() {
                        return self.local_types.get(&(None, name)).cloned();
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// `steps`, then what happens when the error leaves the function at `scope` (see
    /// [`Self::exit`]). A function literal handed to a library transaction or retry helper
    /// (`db.Transaction(func(tx *gorm.DB) error { .. })`, `retry.Do(.., func() error { .. })`)
    /// gets the helper call's own fate: those helpers return the closure's error.
    fn then_exit(&self, mut steps: Vec<GuardStep>, scope: Option<FnId>) -> Vec<GuardStep> {
        if let GuardStep::IntoCall { callee, call } = self.exit(scope)
            && passes_closure_error(&callee)
            && self.closure_hops.get() < 8
            && let Some(info) = scope.and_then(|s| self.fn_info.get(s as usize))
            && let Some(call_node) = info.node.parent().and_then(|_| find_call(info.node, call))
        {
            let outer = self
                .facts
                .functions
                .get(scope.unwrap_or_default() as usize)
                .and_then(|f| f.parent);
            self.closure_hops.set(self.closure_hops.get() + 1);
            let (guard, _, _) = self.fate(call_node, outer);
            self.closure_hops.set(self.closure_hops.get() - 1);
            steps.extend(guard);
            return steps;
        }
        steps.push(self.exit(scope));
        steps
    }

    /// The step when an error leaves the function at `scope`: returned to its caller when it
    /// declares an `error` result; otherwise only a panic (or `log.Fatal`) gets it out. A
    /// function literal handed to a call (`RunInTransaction(db, func(..) error { .. })`, also
    /// through a local `fn := func..`) returns it to that call: see [`Self::closure_exit`].
    fn exit(&self, scope: Option<FnId>) -> GuardStep {
        match scope {
            None => GuardStep::Exit(None),
            Some(id) => {
                let Some(info) = self.fn_info.get(id as usize) else {
                    return GuardStep::Exit(Some(id));
                };
                if !info.returns_error {
                    return GuardStep::Panics;
                }
                if info.node.kind() == "func_literal"
                    && let Some(step) = self.closure_exit(info.node)
                {
                    return step;
                }
                GuardStep::Exit(Some(id))
            }
        }
    }

    /// The call a function literal is handed to, directly or through a local variable.
    fn closure_exit(&self, literal: Node<'t>) -> Option<GuardStep> {
        let src = self.src;
        let up = climb(literal);
        let parent = up.parent()?;
        let call = match parent.kind() {
            "argument_list" => parent.parent()?,
            "expression_list" => {
                // `queryFunc := func(..) error { .. }`, then `Run(db, queryFunc)`.
                let statement = parent.parent()?;
                if statement.kind() != "short_var_declaration" || parent.named_child_count() != 1 {
                    return None;
                }
                let names = left_names(statement, src);
                let name = names.first()?;
                later_statements(statement)
                    .into_iter()
                    .find_map(|later| call_passing(later, name, src))?
            }
            _ => return None,
        };
        let callee = call
            .child_by_field_name("function")
            .map(|f| callee_path(f, src))?;
        Some(GuardStep::IntoCall {
            callee,
            call: span(call),
        })
    }

    fn handler(&self, at: Node<'_>, body: HandlerBody) -> GuardStep {
        GuardStep::handler(Handler {
            span: span(at),
            kind: HandlerKind::ErrValue,
            body,
            // No Go code edits yet: a finding in Go never gets a TypeScript or Rust fix.
            site: None,
        })
    }

    /// What happens to a call's error and value.
    fn fate(
        &self,
        call: Node<'t>,
        scope: Option<FnId>,
    ) -> (Vec<GuardStep>, ResultUse, Option<ValueCheck>) {
        let src = self.src;
        let value = climb(call);
        let mut result = ResultUse {
            span: span(call),
            ..ResultUse::default()
        };
        let Some(parent) = value.parent() else {
            return (vec![GuardStep::Stored], result, None);
        };
        let guard = match parent.kind() {
            "expression_statement" => {
                result.dropped = true;
                vec![self.handler(parent, HandlerBody::DroppedValue)]
            }
            // `go write(..)`: the call runs in a goroutine of its own, its error returned to
            // nobody — Go's floating write, as a dropped `JoinHandle` is Rust's. (A goroutine
            // running a closure is analysed inside the closure instead.)
            "go_statement" => {
                result.dropped = true;
                vec![
                    GuardStep::Callback { is_async: true },
                    GuardStep::Dropped {
                        span: span(parent),
                        how: auditlint_core::facts::DropKind::Spawn,
                    },
                ]
            }
            "defer_statement" => {
                result.dropped = true;
                vec![self.handler(parent, HandlerBody::Discard)]
            }
            "expression_list" => {
                let Some(statement) = parent.parent() else {
                    return (vec![GuardStep::Stored], result, None);
                };
                match statement.kind() {
                    "return_statement" => {
                        result.returned = true;
                        result.escapes = true;
                        self.then_exit(vec![GuardStep::Returned], scope)
                    }
                    "short_var_declaration" | "assignment_statement" | "var_spec"
                        if parent.named_child_count() == 1 =>
                    {
                        self.assigned(statement, scope, &mut result)
                    }
                    _ => {
                        result.escapes = true;
                        vec![GuardStep::Stored]
                    }
                }
            }
            "binary_expression" if text(parent, src).contains("nil") => {
                // `if write(..) != nil { .. }`
                result.tested = true;
                match parent.parent().filter(|p| p.kind() == "if_statement") {
                    Some(branch) => self.if_handler(branch, "", scope),
                    None => vec![GuardStep::Stored],
                }
            }
            _ => {
                result.escapes = true;
                vec![GuardStep::Stored]
            }
        };
        (guard, result, None)
    }

    /// `res, err := write(..)` (also `=`, `var`): the error is the last name, the result the
    /// first.
    fn assigned(
        &self,
        statement: Node<'t>,
        scope: Option<FnId>,
        result: &mut ResultUse,
    ) -> Vec<GuardStep> {
        let src = self.src;
        let names = left_names(statement, src);
        let Some(first) = names.first().copied() else {
            return vec![GuardStep::Stored];
        };
        let error = if names.len() >= 2 {
            names.last().copied()
        } else {
            // `_ = write(..)` drops whatever it returns; `err := write(..)` names the error.
            (first == "_" || is_errish(first)).then_some(first)
        };
        if names.len() >= 2 || error.is_none() {
            self.result_use(statement, first, scope, result);
        }
        let Some(error) = error else {
            return vec![GuardStep::Stored];
        };
        if error == "_" {
            return vec![self.handler(statement, HandlerBody::Discard)];
        }
        if !error.chars().all(|c| c.is_alphanumeric() || c == '_') {
            // `s.err = write()`: stored where others look.
            return vec![GuardStep::Stored];
        }
        self.follow_error(statement, error, scope)
    }

    /// Where the error held in `name` (assigned by `statement`) is first looked at.
    fn follow_error(&self, statement: Node<'t>, name: &str, scope: Option<FnId>) -> Vec<GuardStep> {
        let src = self.src;
        // `if err := write(); err != nil { .. }`
        if let Some(parent) = statement.parent()
            && parent.kind() == "if_statement"
            && parent
                .child_by_field_name("initializer")
                .is_some_and(|i| i.id() == statement.id())
        {
            if parent
                .child_by_field_name("condition")
                .is_some_and(|c| mentions(c, name, src))
            {
                return self.if_handler(parent, name, scope);
            }
            return vec![self.handler(statement, HandlerBody::Discard)];
        }
        let holder = statement_of(statement);
        for later in later_statements(holder) {
            if !mentions(later, name, src) {
                continue;
            }
            return match later.kind() {
                "if_statement" => {
                    if let Some(init) = later.child_by_field_name("initializer")
                        && assigns(init, name, src)
                    {
                        return vec![self.handler(holder, HandlerBody::Discard)];
                    }
                    if later
                        .child_by_field_name("condition")
                        .is_some_and(|c| mentions(c, name, src))
                    {
                        self.if_handler(later, name, scope)
                    } else {
                        vec![GuardStep::Stored]
                    }
                }
                "return_statement" => self.then_exit(vec![GuardStep::Returned], scope),
                "short_var_declaration" | "assignment_statement"
                    if assigns(later, name, src)
                        && !later
                            .child_by_field_name("right")
                            .is_some_and(|r| mentions(r, name, src)) =>
                {
                    // Overwritten before anything looked at it.
                    vec![self.handler(holder, HandlerBody::Discard)]
                }
                "expression_statement" | "assignment_statement" | "short_var_declaration" => {
                    let effects = crate::effects::of(later, src);
                    self.then_exit(
                        vec![self.handler(later, HandlerBody::Inline(effects))],
                        scope,
                    )
                }
                _ => vec![GuardStep::Stored],
            };
        }
        let named_result = scope
            .and_then(|s| self.fn_info.get(s as usize))
            .is_some_and(|info| info.named_results.iter().any(|r| r == name));
        if named_result {
            return self.then_exit(vec![GuardStep::Returned], scope);
        }
        vec![self.handler(holder, HandlerBody::Discard)]
    }

    /// `if err != nil { BODY }` (or `if err == nil { .. } else { BODY }`): BODY handles it.
    fn if_handler(&self, branch: Node<'t>, name: &str, scope: Option<FnId>) -> Vec<GuardStep> {
        let src = self.src;
        let condition = branch
            .child_by_field_name("condition")
            .map(|c| text(c, src))
            .unwrap_or("");
        let tests_success = !condition.contains("!=")
            && (condition.contains(&format!("{name} == nil"))
                || (name.is_empty() && condition.contains("== nil")));
        let body = if tests_success {
            branch.child_by_field_name("alternative")
        } else {
            branch.child_by_field_name("consequence")
        };
        let handler_span_end = body.map_or(branch.end_byte(), |b| b.end_byte());
        let mut effects = match body {
            Some(body) => crate::effects::of(body, src),
            None => auditlint_core::facts::Effects {
                is_empty: true,
                ..Default::default()
            },
        };
        // `func() (err error) { ..; if err != nil { return } }`: a bare `return` hands the
        // named result, the error, to the caller.
        let named_result = scope
            .and_then(|s| self.fn_info.get(s as usize))
            .is_some_and(|info| info.named_results.iter().any(|r| r == name));
        if named_result && body.is_some_and(has_bare_return) {
            effects.throws = true;
            effects.returns_nothing = false;
        }
        let start = if tests_success {
            body.map_or(branch.start_byte(), |b| b.start_byte())
        } else {
            branch.start_byte()
        };
        self.then_exit(
            vec![GuardStep::handler(Handler {
                span: Span::new(start, handler_span_end),
                kind: HandlerKind::ErrValue,
                body: HandlerBody::Inline(effects),
                site: None,
            })],
            scope,
        )
    }

    /// How the value held in `name` is used after `statement`: fields read, escapes.
    fn result_use(
        &self,
        statement: Node<'t>,
        name: &str,
        scope: Option<FnId>,
        result: &mut ResultUse,
    ) {
        if name == "_" {
            return;
        }
        if !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            result.escapes = true;
            return;
        }
        let Some(body) = scope
            .and_then(|s| self.fn_info.get(s as usize))
            .and_then(|info| info.node.child_by_field_name("body"))
        else {
            result.escapes = true;
            return;
        };
        self.scan_uses(body, statement.end_byte(), name, result, 0);
    }

    /// The uses of `name` in `within` after byte `from`: fields read, tests, escapes. A
    /// `for _, r := range name` follows the element `r` through the loop body.
    fn scan_uses(
        &self,
        within: Node<'t>,
        from: usize,
        name: &str,
        result: &mut ResultUse,
        hops: u32,
    ) {
        let src = self.src;
        let mut stack = vec![within];
        let mut seen = 0;
        while let Some(current) = stack.pop() {
            seen += 1;
            if seen > MAX_SCAN_NODES {
                result.escapes = true;
                return;
            }
            if current.end_byte() <= from {
                continue;
            }
            if current.kind() == "identifier"
                && current.start_byte() >= from
                && text(current, src) == name
            {
                let Some(parent) = current.parent() else {
                    continue;
                };
                match parent.kind() {
                    "selector_expression"
                        if parent
                            .child_by_field_name("operand")
                            .is_some_and(|o| o.id() == current.id()) =>
                    {
                        if let Some(field) = parent.child_by_field_name("field") {
                            result.fields.push(text(field, src).to_string());
                        }
                    }
                    "binary_expression" if text(parent, src).contains("nil") => {
                        result.tested = true;
                    }
                    "expression_list"
                        if parent.parent().is_some_and(|s| {
                            matches!(s.kind(), "assignment_statement" | "short_var_declaration")
                                && s.child_by_field_name("left")
                                    .is_some_and(|l| l.id() == parent.id())
                        }) => {}
                    "range_clause"
                        if hops < 4
                            && parent
                                .child_by_field_name("right")
                                .is_some_and(|r| r.id() == current.id()) =>
                    {
                        let element = parent
                            .child_by_field_name("left")
                            .and_then(|l| l.named_child(1))
                            .map(|e| text(e, src).to_string());
                        let body = parent.parent().and_then(|f| f.child_by_field_name("body"));
                        match (element, body) {
                            (Some(element), Some(body)) if element != "_" => {
                                self.scan_uses(body, body.start_byte(), &element, result, hops + 1);
                            }
                            // `for i := range results`: read through `results[i]`, not followed.
                            _ => result.escapes = true,
                        }
                    }
                    _ => {
                        result.escapes = true;
                        if statement_of(current).kind() == "return_statement" {
                            result.returned = true;
                        }
                    }
                }
                continue;
            }
            for i in 0..current.named_child_count() {
                if let Some(child) = current.named_child(i as u32) {
                    stack.push(child);
                }
            }
        }
    }

    /// GORM reports failure in the returned `*gorm.DB`'s `Error` field: `db.Create(&e).Error`,
    /// or `res := db.Create(&e)` then `res.Error`. Unread, it is `audit-result-unchecked`;
    /// read into a handler, that handler is judged.
    fn gorm_fate(
        &self,
        call: Node<'t>,
        scope: Option<FnId>,
    ) -> (Vec<GuardStep>, ResultUse, Option<ValueCheck>) {
        let src = self.src;
        let value = climb(call);
        let result = ResultUse {
            span: span(call),
            ..ResultUse::default()
        };
        let unread = |at: Node<'_>| {
            (
                vec![GuardStep::Stored],
                result.clone(),
                Some(ValueCheck::Unread { span: span(at) }),
            )
        };
        let Some(parent) = value.parent() else {
            return unread(call);
        };
        // `db.Create(&e).Error`: judged like a call returning the error.
        if parent.kind() == "selector_expression"
            && parent
                .child_by_field_name("field")
                .is_some_and(|f| text(f, src) == "Error")
        {
            let (guard, _, _) = self.fate(parent, scope);
            return (guard, result, Some(ValueCheck::Read));
        }
        match parent.kind() {
            "expression_statement" => unread(parent),
            "expression_list" => {
                let Some(statement) = parent.parent() else {
                    return unread(call);
                };
                if statement.kind() == "return_statement" {
                    let mut result = result.clone();
                    result.returned = true;
                    result.escapes = true;
                    return (vec![GuardStep::Stored], result, Some(ValueCheck::Read));
                }
                let names = left_names(statement, src);
                // `_ = repo.Create(&row)`, `err := repo.Create(&row)`: a repository method
                // returning the error (a `*gorm.DB` is never named so).
                // Two or more results (`_, err := repo.Create(ctx, row)`): not a `*gorm.DB`.
                if names.len() >= 2
                    || (names.len() == 1 && (names[0] == "_" || is_errish(names[0])))
                {
                    let (guard, result, _) = self.fate(call, scope);
                    return (guard, result, None);
                }
                let Some(holder) = names.first().copied().filter(|n| *n != "_") else {
                    return unread(statement);
                };
                // The first later look at `holder.Error`.
                for later in later_statements(statement_of(statement)) {
                    if !mentions(later, holder, src) {
                        continue;
                    }
                    let reads_error = text(later, src).contains(&format!("{holder}.Error"));
                    if !reads_error {
                        continue;
                    }
                    if later.kind() == "if_statement"
                        && later
                            .child_by_field_name("condition")
                            .is_some_and(|c| text(c, src).contains(&format!("{holder}.Error")))
                    {
                        let guard = self.if_handler(later, &format!("{holder}.Error"), scope);
                        return (guard, result, Some(ValueCheck::Read));
                    }
                    if later.kind() == "return_statement" {
                        return (
                            self.then_exit(vec![GuardStep::Returned], scope),
                            result,
                            Some(ValueCheck::Read),
                        );
                    }
                    return (vec![GuardStep::Stored], result, Some(ValueCheck::Read));
                }
                unread(statement)
            }
            _ => (vec![GuardStep::Stored], result, Some(ValueCheck::Read)),
        }
    }
}

/// Library helpers that run a closure and return its error: transactions and retries.
fn passes_closure_error(callee: &str) -> bool {
    let last = callee.rsplit('.').next().unwrap_or(callee);
    let lower = callee.to_ascii_lowercase();
    lower.contains("transaction")
        || lower.contains("retry")
        || last.starts_with("Tx")
        || last.ends_with("Tx")
        || last.contains("InTx")
        || last == "BeginFunc"
        || last == "BeginTxFunc"
}

/// The call expression at `at` (a span recorded by [`Walker::closure_exit`]), climbing from
/// the function literal inside it.
fn find_call(literal: Node<'_>, at: Span) -> Option<Node<'_>> {
    let mut current = literal;
    for _ in 0..MAX_DEPTH {
        current = current.parent()?;
        if current.kind() == "call_expression" && span(current) == at {
            return Some(current);
        }
    }
    None
}

/// The first call in `node` that takes the identifier `name` as an argument.
fn call_passing<'n>(node: Node<'n>, name: &str, src: &str) -> Option<Node<'n>> {
    let mut stack = vec![node];
    let mut seen = 0;
    while let Some(current) = stack.pop() {
        seen += 1;
        if seen > MAX_SCAN_NODES {
            return None;
        }
        if current.kind() == "argument_list"
            && (0..current.named_child_count()).any(|i| {
                current
                    .named_child(i as u32)
                    .is_some_and(|a| a.kind() == "identifier" && text(a, src) == name)
            })
        {
            return current.parent();
        }
        for i in (0..current.named_child_count()).rev() {
            if let Some(child) = current.named_child(i as u32) {
                stack.push(child);
            }
        }
    }
    None
}

/// Does the block contain a `return` without values (outside nested function literals)?
fn has_bare_return(block: Node<'_>) -> bool {
    search(block, MAX_SCAN_NODES, |current| match current.kind() {
        "func_literal" => Look::Skip,
        "return_statement" if current.named_child_count() == 0 => Look::Found(()),
        _ => Look::Enter,
    })
    .is_some()
}

/// `github.com/acme/svc/internal/audit` → `audit`; `gopkg.in/yaml.v3` → `yaml`;
/// `github.com/jackc/pgx/v5` → `pgx`.
pub(crate) fn package_name(path: &str) -> &str {
    let mut parts = path.rsplit('/');
    let mut last = parts.next().unwrap_or(path);
    if last.len() >= 2
        && last.starts_with('v')
        && last[1..].chars().all(|c| c.is_ascii_digit())
        && let Some(previous) = parts.next()
    {
        last = previous;
    }
    let last = last.split('.').next().unwrap_or(last);
    last.strip_prefix("go-").unwrap_or(last)
}

/// The JSON name in a struct tag: `json:"audit_logged,omitempty"` → `audit_logged`.
fn json_name(tag: &str) -> Option<String> {
    let at = tag.find("json:\"")?;
    let rest = &tag[at + 6..];
    let end = rest.find('"')?;
    let name = rest[..end].split(',').next()?;
    (!name.is_empty() && name != "-").then(|| name.to_string())
}
