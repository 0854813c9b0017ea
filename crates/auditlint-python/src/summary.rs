//! Function summaries from the main walk's nodes: the names a body binds
//! ([`crate::assigned_names`]) and what a small function does with its first parameter
//! ([`crate::effects::effects`]), with no walk of their own per function body.
//!
//! Both walks meet a body's named nodes each before its children, the last child first: the
//! reverse of a postorder. So a node is kept when the main walk leaves it (a later node at its
//! depth or above), and a body's kept nodes are read backwards once the walk has left it. The
//! main walk does not enter strings: a string that may hold an interpolation (`f"{g(x)}"`) is
//! walked here. Where the main walk cannot stand in for a body's own walk — a body whose walk
//! would stop at its node limit, or nesting the main walk cuts off — the body is walked as before.

use auditlint_core::facts::{FnId, Function};
use tree_sitter::Node;

/// A function definition, lambda or class: its inside is nested for the enclosing bodies.
const DEFINITION: u8 = 1;
/// A node [`crate::effects`] reads outside nested definitions.
const EFFECT: u8 = 2;
/// A call: read inside nested definitions too.
const CALL: u8 = 4;
/// A node that binds names ([`crate::target_names`]).
const TARGET: u8 = 8;
/// The body of the innermost function being summarised.
const BODY: u8 = 16;

/// What the summaries do with a node of each kind id (named kinds only: the anonymous
/// `lambda` keyword is no definition).
fn roles() -> &'static [u8] {
    static ROLES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    ROLES.get_or_init(|| {
        let language = tree_sitter::Language::new(tree_sitter_python::LANGUAGE);
        (0..language.node_kind_count())
            .map(|id| {
                let Ok(id) = u16::try_from(id) else {
                    return 0;
                };
                if !language.node_kind_is_named(id) {
                    return 0;
                }
                match language.node_kind_for_id(id).unwrap_or_default() {
                    "function_definition" | "lambda" | "class_definition" => DEFINITION,
                    "call" => EFFECT | CALL,
                    "assignment" => EFFECT | TARGET,
                    "raise_statement" | "return_statement" | "pair" | "keyword_argument" => EFFECT,
                    "augmented_assignment"
                    | "for_statement"
                    | "for_in_clause"
                    | "as_pattern"
                    | "except_clause" => TARGET,
                    _ => 0,
                }
            })
            .collect()
    })
}

fn role_of(node: Node<'_>) -> u8 {
    roles()
        .get(usize::from(node.kind_id()))
        .copied()
        .unwrap_or(0)
}

/// A function whose body is being summarised.
struct Frame<'t> {
    function: FnId,
    body: Node<'t>,
    /// The walk is inside the body.
    entered: bool,
    /// Definitions open inside the body around the current node.
    nested: usize,
    /// The main walk's nodes stand in for the body's own walks (else: walk the body).
    complete: bool,
    /// Summarise the effects (a named function small enough to be a helper).
    effects: bool,
    /// The first parameter: the error, when the function is a handler.
    error: Option<String>,
    /// Parameters that are locals (after the assigned names).
    params: Vec<String>,
    /// Nodes the effects read, in postorder, with whether they are inside a nested definition.
    effect_nodes: Vec<(Node<'t>, bool)>,
    /// Nodes that bind names outside nested definitions, in postorder.
    targets: Vec<Node<'t>>,
}

/// The functions being summarised, innermost last, and the nodes entered that they act on when
/// the walk leaves them.
#[derive(Default)]
pub(crate) struct Summaries<'t> {
    frames: Vec<Frame<'t>>,
    open: Vec<(Node<'t>, usize, u8)>,
}

impl<'t> Summaries<'t> {
    /// Starts summarising `function`'s `body` (the walk is at the function's node).
    pub(crate) fn start(
        &mut self,
        function: FnId,
        body: Node<'t>,
        effects: bool,
        error: Option<String>,
        params: Vec<String>,
    ) {
        // A body with more nodes than a walk of its own looks at is walked on its own.
        let complete = body.descendant_count() <= crate::effects::MAX_NODES;
        self.frames.push(Frame {
            function,
            body,
            entered: false,
            nested: 0,
            complete,
            effects,
            error,
            params,
            effect_nodes: Vec::new(),
            targets: Vec::new(),
        });
    }

    /// Is the walk inside a body being summarised?
    pub(crate) fn inside_body(&self) -> bool {
        self.frames.iter().any(|f| f.entered)
    }

    /// The walk meets `node`, `depth` ancestors deep: the nodes open at its depth or below are
    /// left first.
    pub(crate) fn enter(
        &mut self,
        node: Node<'t>,
        depth: usize,
        src: &str,
        functions: &mut [Function],
    ) {
        while let Some(&(open, at, role)) = self.open.last()
            && at >= depth
        {
            self.open.pop();
            self.leave(open, role, src, functions);
        }
        if self.frames.is_empty() {
            return;
        }
        if depth >= crate::MAX_DEPTH {
            // The main walk may not go below this node.
            for frame in &mut self.frames {
                frame.complete = false;
            }
        }
        if let Some(top) = self.frames.last_mut()
            && !top.entered
            && top.body == node
        {
            top.entered = true;
            self.open.push((node, depth, BODY));
            return;
        }
        let role = role_of(node);
        if role == 0 {
            return;
        }
        if role & DEFINITION != 0 {
            for frame in self.frames.iter_mut().filter(|f| f.entered) {
                frame.nested += 1;
            }
        }
        self.open.push((node, depth, role));
    }

    /// The walk is over: leaves what is open, and summarises the bodies it never entered by
    /// walking them.
    pub(crate) fn finish(&mut self, src: &str, functions: &mut [Function]) {
        while let Some((open, _, role)) = self.open.pop() {
            self.leave(open, role, src, functions);
        }
        while let Some(frame) = self.frames.pop() {
            finalize(frame, src, functions);
        }
    }

    fn leave(&mut self, node: Node<'t>, role: u8, src: &str, functions: &mut [Function]) {
        if role == BODY {
            // Functions the walk met but whose body it never entered (cut off by the depth
            // limit) are above this one's.
            while let Some(frame) = self.frames.pop() {
                let done = frame.body == node;
                finalize(frame, src, functions);
                if done {
                    break;
                }
            }
            return;
        }
        for frame in self.frames.iter_mut().filter(|f| f.entered) {
            if role & DEFINITION != 0 {
                frame.nested = frame.nested.saturating_sub(1);
                continue;
            }
            let nested = frame.nested > 0;
            if frame.effects && (if nested { role & CALL } else { role & EFFECT }) != 0 {
                frame.effect_nodes.push((node, nested));
            }
            if !nested && role & TARGET != 0 {
                frame.targets.push(node);
            }
        }
    }
}

/// Fills in a function's locals and effects from its frame.
fn finalize(frame: Frame<'_>, src: &str, functions: &mut [Function]) {
    let Some(function) = functions.get_mut(frame.function as usize) else {
        return;
    };
    let complete = frame.complete && frame.entered;
    let mut locals = Vec::new();
    if complete {
        for &node in frame.targets.iter().rev() {
            crate::target_names(node, src, &mut locals);
        }
    } else {
        crate::assigned_names(frame.body, src, &mut locals);
    }
    locals.extend(frame.params);
    function.locals = locals;
    if frame.effects {
        let error = frame.error.as_deref();
        function.effects = Some(if complete {
            crate::effects::summary(frame.body, error, src, frame.effect_nodes.into_iter().rev())
        } else {
            crate::effects::effects(frame.body, error, src)
        });
    }
}

/// Does the main walk's leaf `node` (a string, a comment) need walking for the summaries: an
/// interpolation (`{`) or a syntax error inside it?
pub(crate) fn leaf_has_inside(node: Node<'_>, src: &str) -> bool {
    node.child_count() > 0
        && (node.has_error()
            || src
                .as_bytes()
                .get(node.byte_range())
                .is_some_and(|b| b.contains(&b'{')))
}

/// The nodes under `leaf` (`depth` ancestors deep), for the summaries, in preorder.
pub(crate) fn enter_leaf<'t>(
    summaries: &mut Summaries<'t>,
    leaf: Node<'t>,
    depth: usize,
    src: &str,
    functions: &mut [Function],
) {
    let mut cursor = leaf.walk();
    let mut at = depth;
    if !cursor.goto_first_child() {
        return;
    }
    at += 1;
    loop {
        summaries.enter(cursor.node(), at, src, functions);
        if cursor.goto_first_child() {
            at += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            at -= 1;
            if at <= depth {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tree_sitter::Node;

    use crate::syntax::{Field, Kind, text};

    /// The parameters `function` appends to the locals: all but `self` and `cls`.
    fn params(function: Node<'_>, src: &str) -> Vec<String> {
        let mut out = crate::parameter_names(function, src);
        out.retain(|p| p != "self" && p != "cls");
        out
    }

    /// For every function of `src`: the locals and effects summarised from the main walk are
    /// those of the body's own walks. Returns how many functions were compared.
    fn compare(src: &str) -> usize {
        let facts = crate::extract(src).expect("parsed");
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("grammar");
        let tree = parser.parse(src, None).expect("tree");
        let mut functions = Vec::new();
        auditlint_core::tree::walk_preorder(
            tree.root_node(),
            crate::MAX_DEPTH,
            |n| matches!(n.k(), "string" | "comment" | "concatenated_string"),
            |n, _| {
                if n.k() == "function_definition" {
                    functions.push(n);
                }
            },
        );
        assert_eq!(functions.len(), facts.functions.len());
        for (node, function) in functions.iter().zip(&facts.functions) {
            let params = params(*node, src);
            let body = node.field("body").expect("body");
            let mut locals = Vec::new();
            crate::assigned_names(body, src, &mut locals);
            locals.extend(params.iter().cloned());
            assert_eq!(function.locals, locals, "{}", text(*node, src));
            let summarised = body.byte_range().len() <= crate::MAX_HANDLER_FUNCTION_BYTES;
            let walked = summarised
                .then(|| crate::effects::effects(body, params.first().map(String::as_str), src));
            assert_eq!(function.effects, walked, "{}", text(*node, src));
        }
        functions.len()
    }

    /// Nested functions, lambdas and classes, f-strings that call, bind and nest, every kind of
    /// binding, flags, stores and responses (the order matters: the last store or response the
    /// walk meets wins), and a syntax error.
    #[test]
    fn summaries_from_the_main_walk_are_the_bodies_own() {
        let src = r#"
def report(err, route=lambda x: x.get("a")):
    """Doc {not an interpolation}."""
    # why
    a, (b, [c, *d]) = split(err)
    total += 1
    for i, (j, k) in enumerate(rows):
        if (n := len(j)) > 2:
            failures.append(err)
    with open(path) as fh, lock() as (l1, l2):
        pass
    try:
        write()
    except Exception as e2:
        job.error = str(err)
    result["error"] = repr(err)
    squares = [x * x for x in range(3) if x]
    label = f"{route(err)} {[y for y in ys]} {(lambda z: notify(z))(err)} {{literal}}"
    other = f"{ {'audit_logged': False}['audit_logged'] } {fmt(value=1)!r:>10}"
    def inner(x, *args, **kwargs):
        raise x
    class Local:
        field = make(err)
        def method(self):
            return self.field
    audit_logged = False
    helper(status="failed", error=err)
    abort(500)
    return jsonify({"error": str(err)}), 502

async def second(self, exc: Exception, retries: int = 3):
    errors.add(str(exc))
    queue.put_nowait(exc)
    return JSONResponse(status_code=500, content=f"{exc}")

def handler(e):
    return e

def empty():
    pass

class Service:
    def record(self, audit: AuditService, *, entry=None):
        for (p, q) in pairs: r = p
        return {"upgraded": True, "audit_logged": ok}

def broken(x):
    y = (x +
    return f"{g(x"
"#;
        let compared = compare(src);
        assert!(compared >= 8, "{compared}");
    }

    /// A body whose nesting the main walk cuts off is walked on its own, as before.
    #[test]
    fn a_body_cut_off_by_the_depth_limit_is_walked_on_its_own() {
        let mut src = String::from("def deep(err):\n    log(err)\n    x = ");
        for _ in 0..1_100 {
            src.push('[');
        }
        src.push_str("f(a=1)");
        for _ in 0..1_100 {
            src.push(']');
        }
        src.push_str("\n    return err\n");
        assert_eq!(compare(&src), 1);
    }
}
