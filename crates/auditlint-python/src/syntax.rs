//! Small, non-recursive helpers over tree-sitter-python nodes.

use std::collections::HashMap;

use tree_sitter::Node;

/// A node's kind through a table built once from the grammar: tree-sitter's own `kind()`
/// checks the name's UTF-8 on every call, and the walks ask it for every node they pass.
pub(crate) trait Kind<'tree> {
    fn k(&self) -> &'tree str;
}

fn kind_names() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let language = tree_sitter::Language::new(tree_sitter_python::LANGUAGE);
        (0..language.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .and_then(|id| language.node_kind_for_id(id))
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    })
}

impl<'tree> Kind<'tree> for Node<'tree> {
    #[inline]
    fn k(&self) -> &'tree str {
        // Only Python trees reach this crate; an id outside the table falls back.
        match kind_names().get(usize::from(self.kind_id())) {
            Some(name) if !name.is_empty() => name,
            _ => self.kind(),
        }
    }
}

/// The grammar's field names this crate asks for, in the order of [`field_ids`].
const FIELDS: &[&str] = &[
    "function",
    "right",
    "name",
    "left",
    "object",
    "value",
    "body",
    "arguments",
    "alias",
    "type",
    "attribute",
    "subscript",
    "key",
    "superclasses",
    "return_type",
    "parameters",
    "operator",
    "module_name",
    "expression",
];

/// Field ids by name, looked up once: tree-sitter's `child_by_field_name` compares the name
/// with every field of the grammar on every call.
fn field_ids() -> &'static [Option<std::num::NonZeroU16>] {
    static IDS: std::sync::OnceLock<Vec<Option<std::num::NonZeroU16>>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| {
        let language = tree_sitter::Language::new(tree_sitter_python::LANGUAGE);
        FIELDS
            .iter()
            .map(|name| language.field_id_for_name(name))
            .collect()
    })
}

pub(crate) trait Field<'tree> {
    /// `child_by_field_name`, through [`field_ids`].
    fn field(&self, name: &str) -> Option<Node<'tree>>;
}

impl<'tree> Field<'tree> for Node<'tree> {
    #[inline]
    fn field(&self, name: &str) -> Option<Node<'tree>> {
        match FIELDS
            .iter()
            .position(|f| *f == name)
            .and_then(|i| field_ids().get(i).copied().flatten())
        {
            Some(id) => self.child_by_field_id(id.get()),
            None => self.child_by_field_name(name),
        }
    }
}

/// Dotted paths longer than this are not built (no real callee is that long).
const MAX_PATH_PARTS: usize = 64;

pub(crate) fn text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or_default()
}

/// The callee of a call as a dotted path, inner calls marked `()` and subscripts `[]`:
/// `self.db.cursor().execute`, `AuditLog.objects.create`. `None` for other expressions.
pub(crate) fn callee_path(node: Node<'_>, src: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let mut current = node;
    loop {
        if parts.len() > MAX_PATH_PARTS {
            return None;
        }
        match current.k() {
            "identifier" => {
                parts.push(text(current, src));
                break;
            }
            "attribute" => {
                parts.push(text(current.field("attribute")?, src));
                current = current.field("object")?;
            }
            "call" => {
                let function = current.field("function")?;
                // `AuditService().record`: a method of the class, as `AuditService.record`
                // (the index resolves it); any other inner call is marked `()`.
                let constructor = function.k() == "identifier"
                    && is_class_name(text(function, src))
                    && !parts.is_empty();
                if !constructor {
                    parts.push("()");
                }
                current = function;
            }
            "subscript" => {
                parts.push("[]");
                current = current.field("value")?;
            }
            "await" | "parenthesized_expression" => {
                current = current.named_child(0)?;
            }
            _ => return None,
        }
    }
    let mut path = String::new();
    for part in parts.iter().rev() {
        if *part == "()" || *part == "[]" {
            path.push_str(part);
        } else {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(part);
        }
    }
    Some(path)
}

pub(crate) fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Skips `await` and parentheses around an expression.
pub(crate) fn unwrap_expr(node: Node<'_>) -> Node<'_> {
    let mut node = node;
    for _ in 0..MAX_PATH_PARTS {
        match node.k() {
            "parenthesized_expression" | "await" => match node.named_child(0) {
                Some(inner) => node = inner,
                None => break,
            },
            _ => break,
        }
    }
    node
}

/// The text a string expression stands for, interpolations as `?`: plain, raw, byte and
/// triple-quoted strings, f-strings, implicit concatenation (`"INSERT " "INTO audit_log"`),
/// `+` and `%`/`.format` on a string, `text("…")`/`sql.SQL("…")` wrappers, and names bound to
/// string constants.
pub(crate) fn string_value(
    node: Node<'_>,
    src: &str,
    consts: &HashMap<String, String>,
) -> Option<String> {
    // An explicit stack of pieces, left to right (pushed right to left).
    let mut out = String::new();
    let mut found = false;
    let mut stack = vec![node];
    let mut steps = 0;
    while let Some(node) = stack.pop() {
        steps += 1;
        if steps > 256 || out.len() > 64 * 1024 {
            break;
        }
        match node.k() {
            "string" => {
                found = true;
                let mut cursor = node.walk();
                for part in node.children(&mut cursor) {
                    match part.k() {
                        "string_content" => out.push_str(text(part, src)),
                        // `f"{AUDIT_URL}/events"`: a constant's value; anything else a
                        // placeholder word.
                        "interpolation" => match part
                            .field("expression")
                            .filter(|e| e.k() == "identifier")
                            .and_then(|e| consts.get(text(e, src)))
                        {
                            Some(value) => out.push_str(value),
                            None => out.push('x'),
                        },
                        _ => {}
                    }
                }
            }
            "concatenated_string" => {
                let mut cursor = node.walk();
                let parts: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
                stack.extend(parts.into_iter().rev());
            }
            "binary_operator" => {
                let operator = node.field("operator").map(|o| o.k());
                match operator {
                    Some("+") => {
                        if let Some(right) = node.field("right") {
                            stack.push(right);
                        }
                        if let Some(left) = node.field("left") {
                            stack.push(left);
                        }
                    }
                    Some("%") => stack.extend(node.field("left")),
                    _ => {}
                }
            }
            "parenthesized_expression" => stack.extend(node.named_child(0)),
            "identifier" => {
                if let Some(value) = consts.get(text(node, src)) {
                    found = true;
                    out.push_str(value);
                }
            }
            "call" => {
                let Some(function) = node.field("function") else {
                    continue;
                };
                // `"…".format(..)`
                if function.k() == "attribute"
                    && let Some(object) = function.field("object")
                    && matches!(object.k(), "string" | "concatenated_string")
                {
                    stack.push(object);
                    continue;
                }
                let path = callee_path(function, src).unwrap_or_default();
                if matches!(
                    last_segment(&path),
                    "text" | "SQL" | "Composed" | "literal_column" | "dedent"
                ) && let Some(first) = first_positional(node)
                {
                    stack.push(first);
                }
            }
            _ => {}
        }
    }
    found.then_some(out)
}

/// The positional arguments of a call.
pub(crate) fn positional_args(call: Node<'_>) -> Vec<Node<'_>> {
    let Some(arguments) = call.field("arguments") else {
        return Vec::new();
    };
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .filter(|a| {
            !matches!(
                a.k(),
                "keyword_argument" | "comment" | "dictionary_splat" | "list_splat"
            )
        })
        .collect()
}

pub(crate) fn first_positional(call: Node<'_>) -> Option<Node<'_>> {
    positional_args(call).into_iter().next()
}

/// A keyword argument's value: `url=…`.
pub(crate) fn keyword_arg<'t>(call: Node<'t>, name: &str, src: &str) -> Option<Node<'t>> {
    let arguments = call.field("arguments")?;
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .filter(|a| a.k() == "keyword_argument")
        .find(|a| a.field("name").is_some_and(|n| text(n, src) == name))
        .and_then(|a| a.field("value"))
}

/// The names of the keyword arguments of a call.
pub(crate) fn keyword_names<'s, 't>(call: Node<'t>, src: &'s str) -> Vec<(&'s str, Node<'t>)> {
    let Some(arguments) = call.field("arguments") else {
        return Vec::new();
    };
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .filter(|a| a.k() == "keyword_argument")
        .filter_map(|a| {
            let name = a.field("name")?;
            Some((text(name, src), name))
        })
        .collect()
}

/// A string literal's plain content (no interpolation), for dictionary keys.
pub(crate) fn plain_string(node: Node<'_>, src: &str) -> Option<String> {
    if node.k() != "string" {
        return None;
    }
    let mut cursor = node.walk();
    let mut out = String::new();
    for part in node.children(&mut cursor) {
        match part.k() {
            "string_content" => out.push_str(text(part, src)),
            "interpolation" => return None,
            _ => {}
        }
    }
    Some(out)
}

/// `AuditLog`: a class-like name.
pub(crate) fn is_class_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase()) && name.chars().any(|c| c.is_lowercase())
}

/// Is `node` (or something under it, nested functions included) an identifier `name`?
/// Bounded: large expressions are not searched past a few thousand nodes.
pub(crate) fn mentions(node: Node<'_>, name: &str, src: &str) -> bool {
    let mut cursor = node.walk();
    let mut visited = 0;
    loop {
        let current = cursor.node();
        visited += 1;
        if visited > 4_096 {
            return false;
        }
        if current.k() == "identifier" && text(current, src) == name {
            return true;
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == node {
                return false;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return false;
            }
        }
    }
}

/// Identifiers in a type annotation that name classes (`Optional[TierResult]` → `TierResult`).
pub(crate) fn type_names(node: Node<'_>, src: &str) -> Vec<String> {
    text(node, src)
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| is_class_name(w))
        .filter(|w| {
            !matches!(
                *w,
                "Optional"
                    | "List"
                    | "Dict"
                    | "Union"
                    | "Any"
                    | "Awaitable"
                    | "Coroutine"
                    | "Iterable"
                    | "Sequence"
                    | "Tuple"
                    | "Mapping"
            )
        })
        .map(str::to_string)
        .collect()
}

/// The declared class of an annotation, for a typed binding: its first class-like name.
pub(crate) fn annotation_class(node: Node<'_>, src: &str) -> Option<String> {
    type_names(node, src).into_iter().next()
}
