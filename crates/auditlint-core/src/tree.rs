//! Parsing with tree-sitter under the parse time limit: the one way the tree-sitter front ends
//! (TypeScript/JavaScript, Go, Python) get a tree. Grammar-neutral, like [`crate::budget`].

use std::ops::ControlFlow;

use tree_sitter::{Parser, Tree};

use crate::budget::ParseDeadline;

/// Files with more lines than this are parsed on a thread of their own with [`PARSE_STACK`]
/// bytes of stack: tree-sitter's C parser recurses while it merges error-recovery stacks, about
/// once per line in the worst inputs (`(f<>(() => {})` then 20,000 comment lines overflowed a
/// worker's stack). Below it, the calling thread's stack is plenty, and its warm parser is used.
pub const LINES_ON_OWN_STACK: usize = 8_000;

/// Only touched pages are committed, so the reservation is cheap; it covers a 2 MiB file of
/// one-line items (half a million recursion levels of a few hundred bytes).
pub const PARSE_STACK: usize = 256 * 1024 * 1024;

/// Why a file was not analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseFailure {
    /// tree-sitter returned no tree at all.
    GaveUp,
    /// Parsing took longer than the file's [`ParseDeadline`]; the message says so.
    TimeLimit(String),
}

impl std::fmt::Display for ParseFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseFailure::GaveUp => {
                f.write_str("the parser gave up on this file; it was not checked")
            }
            ParseFailure::TimeLimit(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ParseFailure {}

/// Runs `parse` on this thread, or, for a source of more than [`LINES_ON_OWN_STACK`] lines, on a
/// thread named `thread` with a [`PARSE_STACK`]-byte stack (a panic there is resumed here).
pub fn on_parse_stack<T: Send>(
    source: &str,
    thread: &str,
    parse: impl FnOnce() -> Result<T, ParseFailure> + Send,
) -> Result<T, ParseFailure> {
    if source.bytes().filter(|&b| b == b'\n').count() <= LINES_ON_OWN_STACK {
        return parse();
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name(thread.into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, parse)
            .map_err(|_| ParseFailure::GaveUp)?
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Parses `source` with the parser in `slot` (made for `grammar` the first time), from
/// `previous` when the editor has one, stopping at `deadline` (tree-sitter asks every hundred or
/// so operations); a cancelled parser is reset, so the next file starts afresh.
pub fn parse_until(
    slot: &mut Option<Parser>,
    grammar: &tree_sitter::Language,
    source: &str,
    previous: Option<&Tree>,
    deadline: &ParseDeadline,
) -> Result<Tree, ParseFailure> {
    if slot.is_none() {
        let mut parser = Parser::new();
        parser
            .set_language(grammar)
            .map_err(|_| ParseFailure::GaveUp)?;
        *slot = Some(parser);
    }
    let parser = slot.as_mut().ok_or(ParseFailure::GaveUp)?;
    let mut stop = |_: &tree_sitter::ParseState| {
        if deadline.exceeded() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut stop);
    let bytes = source.as_bytes();
    let tree = parser.parse_with_options(
        &mut |offset, _| bytes.get(offset..).unwrap_or_default(),
        previous,
        Some(options),
    );
    match tree {
        Some(tree) => Ok(tree),
        None => {
            parser.reset();
            Err(if deadline.exceeded() {
                ParseFailure::TimeLimit(deadline.message())
            } else {
                ParseFailure::GaveUp
            })
        }
    }
}

/// What [`search`] does after looking at a node.
pub enum Look<T> {
    /// Go on into its named children.
    Enter,
    /// Go on beside it, not into it.
    Skip,
    /// End the walk with this result.
    Found(T),
}

/// Looks at `root` and the named nodes under it, depth first on an explicit stack (no recursion,
/// whatever the depth; a node's children are pushed in order, so the last is looked at first),
/// at most `max_nodes` of them. The first [`Look::Found`] is the result; `None` when there is
/// none, or when the budget ran out first. The front ends' bounded searches of a subtree all
/// walk this way, through this one loop.
pub fn search<'t, T>(
    root: tree_sitter::Node<'t>,
    max_nodes: usize,
    mut look: impl FnMut(tree_sitter::Node<'t>) -> Look<T>,
) -> Option<T> {
    let mut stack = vec![root];
    let mut visited = 0;
    while let Some(node) = stack.pop() {
        visited += 1;
        if visited > max_nodes {
            return None;
        }
        match look(node) {
            Look::Enter => {
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
            }
            Look::Skip => {}
            Look::Found(found) => return Some(found),
        }
    }
    None
}

/// [`search`] for its visits alone: `enter` says whether to go into a node's named children.
pub fn visit_bounded<'t>(
    root: tree_sitter::Node<'t>,
    max_nodes: usize,
    mut enter: impl FnMut(tree_sitter::Node<'t>) -> bool,
) {
    let found = search::<std::convert::Infallible>(root, max_nodes, |node| {
        if enter(node) { Look::Enter } else { Look::Skip }
    });
    if let Some(never) = found {
        match never {}
    }
}

/// Visits every node under `root` (itself included) in preorder, handing `visit` the node and
/// its ancestors (an explicit stack: no recursion, whatever the depth). The children of a node
/// `leaf` accepts are not entered, nor those of a node `max_depth` ancestors deep: then the walk
/// goes on beside it and returns `true` (the caller reports the truncation).
pub fn walk_preorder<'t>(
    root: tree_sitter::Node<'t>,
    max_depth: usize,
    leaf: impl Fn(tree_sitter::Node<'t>) -> bool,
    mut visit: impl FnMut(tree_sitter::Node<'t>, &mut Vec<tree_sitter::Node<'t>>),
) -> bool {
    let mut cursor = root.walk();
    let mut stack: Vec<tree_sitter::Node<'t>> = Vec::new();
    let mut truncated = false;
    loop {
        let node = cursor.node();
        visit(node, &mut stack);
        if !leaf(node) && cursor.goto_first_child() {
            stack.push(node);
            if stack.len() > max_depth {
                truncated = true;
                cursor.goto_parent();
                stack.pop();
            } else {
                continue;
            }
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return truncated;
            }
            stack.pop();
        }
    }
}
