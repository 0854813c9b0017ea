//! What a handler's body does with the error it receives.

use crate::syntax::{Field, NodeKind};
use auditlint_core::facts::Effects;
use tree_sitter::Node;

use crate::syntax::{block_end, callee_path, is_function, nth_named, text, unwrap_expr};

/// Nodes visited at most in one body; a handler larger than this is summarised from its start.
const MAX_NODES: usize = 20_000;

/// Summarises `body` (a block or an arrow's expression body); `error` is the handler's
/// parameter name, if it binds one. Walks the body; [`effects_of_preorder`] takes the nodes
/// from a walk already done.
pub fn effects(body: Node<'_>, error: Option<&str>, src: &str) -> Effects {
    let declarators = declarators(body, src);
    summary(body, error, src, &declarators, mirrored_preorder(body))
}

/// [`effects`] of the body `preorder[0]`, from the main walk's nodes of its subtree in preorder
/// with their depths (`preorder[i].1`, any origin): no walk of its own. The same summary: the
/// main walk leaves out only what no summary reads (the inside of strings and comments).
pub fn effects_of_preorder(
    preorder: &[(Node<'_>, usize)],
    error: Option<&str>,
    src: &str,
) -> Effects {
    let Some(&(body, body_depth)) = preorder.first() else {
        return Effects::default();
    };
    // Whether each node is inside a function nested in the body: the depths of the open
    // function ancestors below the body.
    let mut open_functions: Vec<usize> = Vec::new();
    let mut nested = Vec::with_capacity(preorder.len());
    let mut declarators = Vec::new();
    for &(node, depth) in preorder {
        while open_functions.last().is_some_and(|&d| d >= depth) {
            open_functions.pop();
        }
        let inside = !open_functions.is_empty();
        nested.push(inside);
        let kind = node.node_kind();
        if depth > body_depth && is_function(kind) {
            open_functions.push(depth);
        }
        if !inside {
            declarator(node, src, &mut declarators);
        }
    }
    // The summary's order: the reverse of a postorder.
    let mut order = Vec::with_capacity(preorder.len());
    let mut open: Vec<usize> = Vec::new();
    for (i, &(_, depth)) in preorder.iter().enumerate() {
        while let Some(&j) = open.last()
            && preorder[j].1 >= depth
        {
            open.pop();
            order.push((preorder[j].0, nested[j]));
        }
        open.push(i);
    }
    while let Some(j) = open.pop() {
        order.push((preorder[j].0, nested[j]));
    }
    order.reverse();
    summary(body, error, src, &declarators, order)
}

/// `process.env.NODE_ENV === "development"` (or `"dev"`, `"test"`, `"local"`), `NODE_ENV !==
/// "production"`, `__DEV__`, `import.meta.env.DEV`, or a conjunction with one of them: true
/// only outside production.
fn is_development_check(condition: &str) -> bool {
    if !condition.contains("NODE_ENV") && !condition.contains("DEV") {
        return false;
    }
    let compact: String = condition
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')'))
        .map(|c| if matches!(c, '\'' | '`') { '"' } else { c })
        .collect();
    if compact.contains("||") {
        return false;
    }
    compact.split("&&").any(|part| {
        let env = |side: &str| side.ends_with("NODE_ENV") || side.ends_with("[\"NODE_ENV\"]");
        let compared = |ops: &[&str], values: &[&str]| {
            ops.iter().any(|op| {
                part.split_once(op).is_some_and(|(a, b)| {
                    (env(a) && values.contains(&b)) || (env(b) && values.contains(&a))
                })
            })
        };
        matches!(part, "__DEV__" | "import.meta.env.DEV")
            || compared(&["!==", "!="], &["\"production\"", "\"prod\""])
            || !part.contains('!')
                && compared(
                    &["===", "=="],
                    &["\"development\"", "\"dev\"", "\"test\"", "\"local\""],
                )
    })
}

/// `const name = …` declared in the body outside nested functions, by name.
fn declarator<'s, 't>(node: Node<'t>, src: &'s str, out: &mut Vec<(&'s str, Node<'t>)>) {
    if node.node_kind() == "variable_declarator"
        && let Some(name) = node.field("name")
        && name.node_kind() == "identifier"
    {
        out.push((text(name, src), node));
    }
}

/// The summary proper: `order` is every node of the body in the summary's order (see
/// [`mirrored_preorder`]), with whether it is inside a nested function.
fn summary<'t>(
    body: Node<'t>,
    error: Option<&str>,
    src: &str,
    declarators: &[(&str, Node<'t>)],
    order: Vec<(Node<'t>, bool)>,
) -> Effects {
    let mut out = Effects::default();
    // Comments after the closing `}` (`catch {} // why`) are outside the body.
    let end = block_end(body);
    if body.node_kind() == "statement_block" {
        let mut cursor = body.walk();
        let statements: Vec<Node<'_>> = body
            .named_children(&mut cursor)
            .filter(|c| c.node_kind() != "comment" && c.start_byte() < end)
            .collect();
        out.is_empty = statements.is_empty();
        out.returns_nothing =
            matches!(statements.as_slice(), [only] if returns_nothing(*only, src));
    } else {
        // An expression body: `() => undefined`, `e => e`, `e => logger.warn(e)`.
        let expr = unwrap_expr(body);
        match expr.node_kind() {
            "undefined" | "null" => out.returns_nothing = true,
            "unary_expression" if text(expr, src).starts_with("void") => {
                out.returns_nothing = true;
            }
            _ => {}
        }
        if mentions(expr, error, src) && !matches!(expr.node_kind(), "call_expression") {
            out.returns_error = true;
        }
    }
    // The error and the locals built from it (`const msg = e instanceof Error ? e.message : ..`).
    let (aliases, locals) = error_aliases(declarators, error, src);
    // The branches that run only outside production (`if (NODE_ENV === "development") {..}`):
    // an `if` comes before its children in `order`, so before the calls in them.
    let mut development_only: Vec<std::ops::Range<usize>> = Vec::new();
    // (node, inside a nested function), in the order the summary has always read them: each node
    // before its children, the last child first.
    for (node, nested) in order.into_iter().take(MAX_NODES) {
        let kind = node.node_kind();
        match kind {
            "if_statement" => {
                if let Some(consequence) = node.field("consequence")
                    && node
                        .field("condition")
                        .is_some_and(|c| is_development_check(text(c, src)))
                {
                    development_only.push(consequence.byte_range());
                }
            }
            "comment" if node.start_byte() < end => out.has_comments = true,
            "throw_statement" if !nested => out.throws = true,
            "call_expression" => {
                if let Some(function) = node.field("function")
                    && let Some(path) = callee_path(function, src)
                {
                    if out.error_response.is_none() && responds_error(node, &path, src) {
                        out.error_response = Some(text(node, src).chars().take(60).collect());
                    }
                    // `finishJob(pool, id, { status: "failed", error: msg })`: the failure,
                    // in an object handed to other code (not to a logger, which only logs).
                    if out.stores_error.is_none()
                        && !is_logging_path(&path)
                        && node.field("arguments").is_some_and(|args| {
                            let mut cursor = args.walk();
                            args.named_children(&mut cursor).any(|a| {
                                let a = unwrap_expr(a);
                                a.node_kind() == "object" && mentions_any(a, &aliases, src)
                            })
                        })
                    {
                        out.stores_error = Some(path.clone());
                    }
                    // `failures.push(e)`, `errors.set(id, err.message)`.
                    if out.stores_error.is_none()
                        && matches!(last(&path), "push" | "unshift" | "set" | "add" | "append")
                        && path.contains('.')
                        && !locals.contains(&root(&path))
                        && node
                            .field("arguments")
                            .is_some_and(|a| mentions_any(a, &aliases, src))
                    {
                        out.stores_error = Some(path.clone());
                    }
                    if development_only
                        .iter()
                        .any(|r| r.contains(&node.start_byte()))
                    {
                        out.outside_production.push(path);
                    } else {
                        out.calls.push(path);
                    }
                }
            }
            // `sendError(reply, new ApiError(500, msg))`, `new HttpException(msg, 502)`.
            "new_expression" if out.error_response.is_none() => {
                if let Some(args) = node.field("arguments") {
                    let mut cursor = args.walk();
                    if args
                        .named_children(&mut cursor)
                        .any(|a| is_error_status(unwrap_expr(a), src))
                    {
                        out.error_response = Some(text(node, src).chars().take(60).collect());
                    }
                }
            }
            "assignment_expression" => {
                if let (Some(left), Some(right)) = (node.field("left"), node.field("right")) {
                    let name = callee_path(left, src).unwrap_or_default();
                    if right.node_kind() == "false" {
                        out.flag_writes.push(last(&name).to_string());
                    }
                    // `res.statusCode = 500`.
                    if matches!(last(&name), "statusCode" | "status") && is_error_status(right, src)
                    {
                        out.error_response = Some(text(node, src).to_string());
                    }
                    // `resource.error = msg`, `this.lastError = e`: stored where it outlives
                    // the handler.
                    if out.stores_error.is_none()
                        && matches!(
                            left.node_kind(),
                            "member_expression" | "subscript_expression"
                        )
                        && !locals.contains(&root(&name))
                        && mentions_any(right, &aliases, src)
                    {
                        out.stores_error = Some(name);
                    }
                }
            }
            "pair" => {
                if let Some(key) = node.field("key") {
                    let key = text(key, src).trim_matches(['"', '\'']);
                    // `new Response(.., { status: 500 })`, `NextResponse.json(.., { status })`,
                    // `return { statusCode: 502, .. }`.
                    if matches!(key, "status" | "statusCode")
                        && node.field("value").is_some_and(|v| is_error_status(v, src))
                    {
                        out.error_response = Some(text(node, src).to_string());
                    }
                    out.flag_writes.push(key.to_string());
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
    }
    out
}

/// Every node of `body`'s subtree, each before its children and the children last to first
/// (the reverse of a forward walk's postorder: one cursor, no cursor per node), with whether it
/// is inside a function nested in `body`.
fn mirrored_preorder<'t>(body: Node<'t>) -> Vec<(Node<'t>, bool)> {
    let mut out = Vec::with_capacity(body.descendant_count());
    let mut cursor = body.walk();
    // For each open ancestor: are its children inside a nested function?
    let mut nested_below: Vec<bool> = Vec::new();
    loop {
        let node = cursor.node();
        let nested = nested_below.last().copied().unwrap_or(false);
        if cursor.goto_first_child() {
            nested_below.push(nested || (node != body && is_function(node.node_kind())));
            continue;
        }
        out.push((node, nested));
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                out.reverse();
                return out;
            }
            nested_below.pop();
            let parent = cursor.node();
            out.push((parent, nested_below.last().copied().unwrap_or(false)));
        }
    }
}

/// [`mentions`] by a forward walk with one cursor.
fn mentions_walk(node: Node<'_>, name: &str, src: &str) -> bool {
    let mut cursor = node.walk();
    loop {
        let n = cursor.node();
        let kind = n.node_kind();
        if matches!(kind, "identifier" | "shorthand_property_identifier") && text(n, src) == name {
            return true;
        }
        // Only named nodes are searched, as in the budgeted walk (anonymous ones have none).
        if !is_function(kind) && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() || cursor.node() == node {
                return false;
            }
        }
    }
}

/// `console.log`, `logger.info`, `log.debug`, `this.logger.trace`: a logging call (a reporter
/// or not, the index decides), never a place the error is kept.
fn is_logging_path(path: &str) -> bool {
    let Some((receiver, _)) = path.rsplit_once('.') else {
        return false;
    };
    receiver.split('.').any(|part| {
        let part = part.trim_end_matches("()").to_ascii_lowercase();
        part == "console" || part.ends_with("log") || part.ends_with("logger") || part == "pino"
    })
}

/// `res.status(500)`, `reply.code(503)`, `res.sendStatus(500)`, `c.json(body, 500)`.
fn responds_error(call: Node<'_>, path: &str, src: &str) -> bool {
    let method = last(path);
    let framework = path.contains('.')
        && matches!(
            method,
            "status"
                | "code"
                | "sendStatus"
                | "writeHead"
                | "json"
                | "text"
                | "body"
                | "html"
                | "send"
        );
    // A project's own response helper: `jsonResponse(body, 500)`, `sendError(res, 502)`,
    // `errorResponse("failed", 500)`.
    let lower = method.to_ascii_lowercase();
    let helper = ["response", "respond", "reply", "json", "senderror", "fail"]
        .iter()
        .any(|word| lower.contains(word));
    if !framework && !helper {
        return false;
    }
    let Some(args) = call.field("arguments") else {
        return false;
    };
    let mut cursor = args.walk();
    args.named_children(&mut cursor)
        .any(|a| is_error_status(unwrap_expr(a), src))
}

/// A numeric literal from 400 to 599.
fn is_error_status(node: Node<'_>, src: &str) -> bool {
    node.node_kind() == "number"
        && text(node, src)
            .parse::<u32>()
            .is_ok_and(|n| (400..600).contains(&n))
}

/// The first segment of a dotted path.
fn root(path: &str) -> &str {
    path.split(['.', '[']).next().unwrap_or(path)
}

/// Every `const name = …` of `body` outside nested functions (at most [`MAX_NODES`] nodes
/// searched).
fn declarators<'s, 't>(body: Node<'t>, src: &'s str) -> Vec<(&'s str, Node<'t>)> {
    let mut out = Vec::new();
    auditlint_core::tree::visit_bounded(body, MAX_NODES, |node| {
        declarator(node, src, &mut out);
        !(is_function(node.node_kind()) && node != body)
    });
    out
}

/// The error's name and the names of locals whose initialiser mentions it (to a fixpoint:
/// the order of `declarators` does not matter), and every name the body declares.
fn error_aliases<'s>(
    declarators: &[(&'s str, Node<'_>)],
    error: Option<&'s str>,
    src: &'s str,
) -> (Vec<&'s str>, Vec<&'s str>) {
    let locals: Vec<&str> = declarators.iter().map(|(n, _)| *n).collect();
    let mut aliases: Vec<&str> = error.into_iter().collect();
    if aliases.is_empty() {
        return (aliases, locals);
    }
    loop {
        let before = aliases.len();
        for (name, declarator) in declarators {
            if !aliases.contains(name)
                && declarator
                    .field("value")
                    .is_some_and(|v| mentions_any(v, &aliases, src))
            {
                aliases.push(name);
            }
        }
        if aliases.len() == before {
            break;
        }
    }
    (aliases, locals)
}

fn mentions_any(node: Node<'_>, names: &[&str], src: &str) -> bool {
    names.iter().any(|n| mentions(node, Some(n), src))
}

fn last(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn returns_nothing(statement: Node<'_>, src: &str) -> bool {
    if statement.node_kind() != "return_statement" {
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
pub(crate) fn mentions(node: Node<'_>, name: Option<&str>, src: &str) -> bool {
    let Some(name) = name else { return false };
    // Small enough that the budget cannot run out: the order does not matter, one cursor walks.
    if node.descendant_count() <= MAX_NODES {
        return mentions_walk(node, name, src);
    }
    use auditlint_core::tree::{Look, search};
    search(node, MAX_NODES, |n| match n.node_kind() {
        "identifier" | "shorthand_property_identifier" if text(n, src) == name => Look::Found(()),
        kind if is_function(kind) => Look::Skip,
        _ => Look::Enter,
    })
    .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_checks_hold_only_outside_production() {
        for dev in [
            "(process.env.NODE_ENV === 'development')",
            "(process.env.NODE_ENV == \"dev\")",
            "(\"test\" === process.env.NODE_ENV)",
            "(process.env[\"NODE_ENV\"] !== `production`)",
            "(process.env.NODE_ENV != 'production')",
            "(__DEV__)",
            "(import.meta.env.DEV)",
            "(process.env.NODE_ENV === 'development' && verbose)",
        ] {
            assert!(is_development_check(dev), "{dev}");
        }
        for any in [
            "(process.env.NODE_ENV === 'production')",
            "(process.env.NODE_ENV !== 'development')",
            "(process.env.NODE_ENV === 'development' || verbose)",
            "(!(process.env.NODE_ENV === 'development'))",
            "(config.env === 'development')",
            "(isDev)",
        ] {
            assert!(!is_development_check(any), "{any}");
        }
    }

    /// The summary from the main walk's nodes is the summary of a walk of the body alone, for
    /// every function body of a file with nested functions, comments, strings, aliases of the
    /// error, stores, responses and flags (the order matters: the first response found wins).
    #[test]
    fn summary_from_preorder_is_the_bodys_own() {
        let src = r#"
async function report(err, route) {
  // why
  const msg = err instanceof Error ? err.message : String(err);
  const detail = { msg };
  failures.push(detail);
  res.status(502).json({ error: msg });
  const nested = (e) => { throw e; };
  return { status: 500, audit_logged: false, note: `x ${msg}` };
}
const handler = async (e) => { logger.warn("failed", e); this.lastError = e; return null; };
function outer(e) {
  function inner(x) { if (x) { throw x; } return x; }
  res.statusCode = 503;
  finishJob(pool, { status: "failed", error: e });
  return new HttpException("bad", 502);
}
const arrow = (e) => e;
"#;
        let tree = crate::test_tree(src);
        let mut bodies = 0;
        let mut cursor = tree.walk();
        loop {
            let node = cursor.node();
            if is_function(node.node_kind())
                && let Some(body) = node.field("body")
            {
                let error = crate::first_parameter(node, src);
                // The main walk's nodes of the body, as `walk` records them (depths from the
                // file's root: any origin).
                let mut preorder = Vec::new();
                auditlint_core::tree::walk_preorder(
                    tree.root_node(),
                    1_000,
                    |n| {
                        matches!(
                            n.node_kind(),
                            "string" | "string_fragment" | "comment" | "regex"
                        )
                    },
                    |n, stack| {
                        if n.start_byte() >= body.start_byte() && n.end_byte() <= body.end_byte() {
                            let inside = n == body || stack.contains(&body);
                            if inside {
                                preorder.push((n, stack.len()));
                            }
                        }
                    },
                );
                assert_eq!(preorder.first().map(|p| p.0), Some(body));
                let walked = effects(body, error.as_deref(), src);
                assert_eq!(
                    effects_of_preorder(&preorder, error.as_deref(), src),
                    walked,
                    "{}",
                    text(body, src)
                );
                bodies += 1;
            }
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    assert!(bodies >= 6, "{bodies}");
                    return;
                }
            }
        }
    }
}
