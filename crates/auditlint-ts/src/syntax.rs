//! Small helpers over tree-sitter nodes: text, callee paths, wrappers. All iterative.

use tree_sitter::Node;

pub fn text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

/// Expression wrappers that do not change a value: `(x)`, `x as T`, `x!`, `x satisfies T`.
pub fn is_transparent(kind: &str) -> bool {
    matches!(
        kind,
        "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "type_assertion"
    )
}

/// Strips transparent wrappers downwards.
pub fn unwrap_expr(mut node: Node<'_>) -> Node<'_> {
    for _ in 0..64 {
        if !is_transparent(node.node_kind()) {
            break;
        }
        let Some(inner) = node.named_child(0).filter(|c| c.node_kind() != "comment") else {
            break;
        };
        // `x as T`: the expression is the first named child.
        node = inner;
    }
    node
}

pub fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_declaration"
            | "generator_function_declaration"
            | "function_expression"
            | "function"
            | "generator_function"
            | "arrow_function"
            | "method_definition"
    )
}

/// A dotted path for a callee expression: `this.audit.record`, `env.DB.prepare().bind().run`,
/// `a[]` for computed members. `None` for anything else (a call on a literal, …).
pub fn callee_path(node: Node<'_>, src: &str) -> Option<String> {
    // The parts last to first, borrowed from the source: one allocation for the path.
    let mut parts: Vec<&str> = Vec::new();
    let mut cur = node;
    for _ in 0..256 {
        match cur.node_kind() {
            "identifier" | "this" | "super" | "property_identifier" => {
                parts.push(text(cur, src));
                break;
            }
            "member_expression" => {
                let property = cur.field("property")?;
                parts.push(text(property, src));
                cur = cur.field("object")?;
            }
            "subscript_expression" => {
                let index = cur.field("index");
                let name = index
                    .filter(|i| i.node_kind() == "string")
                    .map_or("[]", |i| string_text(i, src));
                parts.push(name);
                cur = cur.field("object")?;
            }
            "call_expression" => {
                parts.push(CALL);
                cur = cur.field("function")?;
            }
            kind if is_transparent(kind) => cur = unwrap_expr(cur),
            _ => return None,
        }
    }
    let mut out = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for part in parts.iter().rev() {
        // By content, as before: a string index `x["()"]` reads as a call too.
        if *part == CALL {
            out.push_str(CALL);
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A call's part of a [`callee_path`].
const CALL: &str = "()";

/// The text inside a string literal's quotes (escapes left as written).
pub fn string_text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    let raw = text(node, src);
    if raw.len() >= 2 {
        &raw[1..raw.len() - 1]
    } else {
        ""
    }
}

/// A string or template literal's text (substitutions kept as written).
pub fn literal_text<'s>(node: Node<'_>, src: &'s str) -> Option<&'s str> {
    match node.node_kind() {
        "string" | "template_string" => Some(string_text(node, src)),
        _ => None,
    }
}

/// The last segment of a callee: `Promise.all` → `all`.
pub fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// The `i`-th named child that is not a comment: `f(/* why */ a, b)` has `a` as argument 0.
pub fn nth_named<'t>(node: Node<'t>, i: usize) -> Option<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|c| c.node_kind() != "comment")
        .nth(i)
}

/// Where a block really ends: tree-sitter stretches a `statement_block` over a comment that
/// follows its closing `}` on the same line (`catch {} // why`); that comment is not inside.
pub fn block_end(node: Node<'_>) -> usize {
    if node.node_kind() == "statement_block" {
        let mut cursor = node.walk();
        if let Some(close) = node
            .children(&mut cursor)
            .filter(|c| c.node_kind() == "}")
            .last()
        {
            return close.end_byte();
        }
    }
    node.end_byte()
}

/// True when `node` is an `async` function.
pub fn is_async(node: Node<'_>) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor).any(|c| c.node_kind() == "async")
}

/// The called method's (or function's) name: `ids.map(…)` → `map`, `fetch(…)` → `fetch`.
pub fn method_name(call: Node<'_>, src: &str) -> String {
    call.field("function")
        .and_then(|f| callee_path(f, src))
        .map(|c| last_segment(&c).to_string())
        .unwrap_or_default()
}

/// The index of the nearest ancestor of `path[at]` that is not a transparent wrapper, counted
/// as the child position: `path[result - 1]` is that ancestor (`result` is 0 at the root).
pub fn skip_transparent_up(path: &[Node<'_>], at: usize) -> usize {
    let mut at = at;
    while at > 0 && is_transparent(path[at - 1].node_kind()) {
        at -= 1;
    }
    at
}

/// The calls of a chain, outermost first: `a.b(x).c(y)` → `[a.b(x).c(y), a.b(x)]`.
pub fn chain_calls(op: Node<'_>) -> Vec<Node<'_>> {
    let mut calls = Vec::new();
    let mut cur = op;
    for _ in 0..256 {
        match cur.node_kind() {
            "call_expression" => {
                calls.push(cur);
                let Some(f) = cur.field("function") else {
                    break;
                };
                cur = f;
            }
            "member_expression" => {
                let Some(o) = cur.field("object") else {
                    break;
                };
                cur = o;
            }
            kind if is_transparent(kind) => cur = unwrap_expr(cur),
            _ => break,
        }
    }
    calls
}

/// A node's kind name, looked up by its kind id in a table made once per grammar.
///
/// tree-sitter's `Node::kind` measures and validates the C string of the name on every call
/// (`strlen`, UTF-8 check): a few percent of a dense run, as the walks ask for it at every node.
pub(crate) trait NodeKind<'tree> {
    fn node_kind(&self) -> &'tree str;
}

struct KindTable {
    language: tree_sitter::Language,
    names: Vec<String>,
    /// Field names and ids, sorted by name.
    fields: Vec<(String, u16)>,
    /// The ids of [`COMMON_FIELDS`], in their order (`None`: not a field of this grammar).
    common: Vec<Option<u16>>,
}

/// A child by field name, the field's id looked up in a table made once per grammar.
///
/// tree-sitter's `Node::child_by_field_name` compares the name with every field name of the
/// grammar (`strncmp` each) on every call: a few percent of a dense run.
pub(crate) trait Field<'tree> {
    fn field(&self, name: &str) -> Option<Node<'tree>>;
}

impl<'tree> Field<'tree> for Node<'tree> {
    #[inline]
    fn field(&self, name: &str) -> Option<Node<'tree>> {
        let language = self.language();
        for table in kind_tables() {
            if *language == table.language {
                if let Some(at) = common_field(name) {
                    return table.common[at].and_then(|id| self.child_by_field_id(id));
                }
                return match table
                    .fields
                    .binary_search_by(|(field, _)| field.as_str().cmp(name))
                {
                    Ok(at) => self.child_by_field_id(table.fields[at].1),
                    Err(_) => None,
                };
            }
        }
        self.child_by_field_name(name)
    }
}

/// The fields the front end asks for, in the order of [`KindTable::common`]: a `match` finds
/// one by its length and a compare or two, where the sorted table's search took seven.
const COMMON_FIELDS: [&str; 22] = [
    "name",
    "function",
    "object",
    "value",
    "arguments",
    "property",
    "body",
    "key",
    "parameter",
    "left",
    "pattern",
    "parameters",
    "operator",
    "constructor",
    "source",
    "right",
    "index",
    "alias",
    "return_type",
    "handler",
    "declaration",
    "condition",
];

fn common_field(name: &str) -> Option<usize> {
    Some(match name {
        "name" => 0,
        "function" => 1,
        "object" => 2,
        "value" => 3,
        "arguments" => 4,
        "property" => 5,
        "body" => 6,
        "key" => 7,
        "parameter" => 8,
        "left" => 9,
        "pattern" => 10,
        "parameters" => 11,
        "operator" => 12,
        "constructor" => 13,
        "source" => 14,
        "right" => 15,
        "index" => 16,
        "alias" => 17,
        "return_type" => 18,
        "handler" => 19,
        "declaration" => 20,
        "condition" => 21,
        _ => return None,
    })
}

fn kind_tables() -> &'static [KindTable] {
    static TABLES: std::sync::OnceLock<Vec<KindTable>> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        [
            tree_sitter_typescript::LANGUAGE_TYPESCRIPT,
            tree_sitter_typescript::LANGUAGE_TSX,
        ]
        .into_iter()
        .map(|grammar| {
            let language = tree_sitter::Language::new(grammar);
            let names = (0..language.node_kind_count())
                .map(|id| {
                    u16::try_from(id)
                        .ok()
                        .and_then(|id| language.node_kind_for_id(id))
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            let mut fields: Vec<(String, u16)> = (1..=language.field_count())
                .filter_map(|id| {
                    let id = u16::try_from(id).ok()?;
                    Some((language.field_name_for_id(id)?.to_string(), id))
                })
                .collect();
            fields.sort();
            let common = COMMON_FIELDS
                .iter()
                .map(|name| {
                    let at = fields.binary_search_by(|(field, _)| field.as_str().cmp(name));
                    at.ok().map(|at| fields[at].1)
                })
                .collect();
            KindTable {
                language,
                names,
                fields,
                common,
            }
        })
        .collect()
    })
}

impl<'tree> NodeKind<'tree> for Node<'tree> {
    #[inline]
    fn node_kind(&self) -> &'tree str {
        let language = self.language();
        let id = usize::from(self.kind_id());
        for table in kind_tables() {
            if *language == table.language {
                if let Some(name) = table.names.get(id).filter(|n| !n.is_empty()) {
                    return name;
                }
                break;
            }
        }
        self.kind()
    }
}

#[cfg(test)]
mod kind_tests {
    use super::{Field, NodeKind};

    /// Every node of a file that uses much of the grammar: the table's name is tree-sitter's.
    #[test]
    fn table_kinds_are_tree_sitters_kinds() {
        let text = "import x, { y as z } from './m';\nexport default class A<T> extends B implements C {\n  #p = 1; static q?: string;\n  async *m(@d a: T = 1, ...r: any[]): Promise<void> { try { await f?.(a)!; } catch { } finally { label: for (const k of r) { if (k) break label; } } }\n}\nconst g = <T,>(v: T) => `a${v as unknown satisfies object}b`;\nenum E { A = 1 } declare module 'n' { }\nlet re = /x+/gi; let j = <div a=\"1\">{g(1)}</div>;\n(function () {})();\nfoo(((\n";
        for language in [
            tree_sitter_typescript::LANGUAGE_TYPESCRIPT,
            tree_sitter_typescript::LANGUAGE_TSX,
        ] {
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&language.into()).expect("grammar");
            let tree = parser.parse(text, None).expect("tree");
            let mut cursor = tree.walk();
            let mut seen = 0;
            loop {
                let node = cursor.node();
                assert_eq!(node.node_kind(), node.kind(), "{node:?}");
                let grammar = node.language();
                for id in 1..=grammar.field_count() {
                    let name = grammar.field_name_for_id(id as u16).expect("field name");
                    assert_eq!(node.field(name), node.child_by_field_name(name), "{name}");
                }
                assert_eq!(node.field("no such field"), None);
                for (at, name) in super::COMMON_FIELDS.iter().enumerate() {
                    assert!(grammar.field_id_for_name(name).is_some(), "{name}");
                    // The `match` and the list agree: a field found at another's index would
                    // hand back the wrong child.
                    assert_eq!(super::common_field(name), Some(at), "{name}");
                }
                seen += 1;
                if cursor.goto_first_child() {
                    continue;
                }
                while !cursor.goto_next_sibling() {
                    if !cursor.goto_parent() {
                        assert!(seen > 200, "{seen}");
                        break;
                    }
                }
                if cursor.node() == tree.root_node() {
                    break;
                }
            }
        }
    }
}
