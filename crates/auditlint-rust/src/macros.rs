//! Code inside macro invocations, best effort: `db_run! { conn: sqlite { .. } mysql { .. } }`,
//! `tokio::select! { r = write() => { .. } }`. syn leaves a macro's body as tokens; each
//! brace-delimited group in them that parses as a block's statements is analysed like a block
//! written there (spans are the original ones, so findings point into the macro).
//!
//! The bodies are parsed once, before the walk, into a table the walk borrows from: the walker
//! holds references into the syntax tree for its whole run, so the parsed bodies must outlive
//! it. Macros inside those bodies are parsed too, to a small depth. The same walk before the
//! walk collects the file's string constants, which the walk needs wherever they are declared.

use std::collections::HashMap;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::visit::Visit;
use syn::{Block, Stmt};

/// Bodies of macros nested in macro bodies are parsed this deep.
const MAX_DEPTH: usize = 3;

/// Brace groups looked at in one file, at most (a generated file full of macros stays cheap).
const MAX_GROUPS: usize = 4_096;

/// Parsed macro bodies, by where the macro's path starts (line, column).
#[derive(Default)]
pub(crate) struct MacroBodies {
    by_start: HashMap<(usize, usize), Vec<Block>>,
}

impl MacroBodies {
    pub(crate) fn of(&self, mac: &syn::Macro) -> &[Block] {
        self.by_start.get(&start_of(mac)).map_or(&[], Vec::as_slice)
    }

    /// The file's macro bodies, and its string constants (`const NAME: &str = "…"`, also in
    /// function bodies; not those nested in a constant's own initialiser).
    pub(crate) fn parse(file: &syn::File) -> (Self, HashMap<String, String>) {
        let mut bodies = MacroBodies::default();
        let mut found = Collector {
            consts: Some(HashMap::new()),
            ..Collector::default()
        };
        found.visit_file(file);
        let consts = found.consts.unwrap_or_default();
        let mut budget = MAX_GROUPS;
        let mut pending = found.macros;
        for _ in 0..MAX_DEPTH {
            let mut next = Vec::new();
            for (start, tokens, braced) in pending {
                let blocks = blocks_in(tokens, braced, &mut budget);
                if blocks.is_empty() {
                    continue;
                }
                let mut inner = Collector::default();
                for block in &blocks {
                    inner.visit_block(block);
                }
                next.extend(inner.macros);
                bodies.by_start.entry(start).or_default().extend(blocks);
            }
            if next.is_empty() {
                break;
            }
            pending = next;
        }
        (bodies, consts)
    }
}

fn start_of(mac: &syn::Macro) -> (usize, usize) {
    let start = mac
        .path
        .segments
        .first()
        .map_or_else(|| mac.bang_token.span.start(), |s| s.ident.span().start());
    (start.line, start.column)
}

/// Macros whose bodies are not code we follow: formatting and logging (their arguments are
/// read as names by the walker), assertions, SQL (a sink of its own), quoting and definitions.
fn skipped(mac: &syn::Macro) -> bool {
    if crate::sinks::is_op_macro(mac) {
        return true;
    }
    let Some(last) = mac.path.segments.last() else {
        return true;
    };
    matches!(
        crate::names::Name::of(&last.ident).as_str(),
        "macro_rules"
            | "quote"
            | "quote_spanned"
            | "parse_quote"
            | "format"
            | "format_args"
            | "print"
            | "println"
            | "eprint"
            | "eprintln"
            | "json"
            | "html"
            | "view"
            | "rsx"
            | "sql"
            | "concat"
            | "stringify"
    )
}

#[derive(Default)]
struct Collector {
    /// (where the macro starts, its body, whether the body is in braces)
    macros: Vec<((usize, usize), TokenStream, bool)>,
    /// String constants by name, when wanted.
    consts: Option<HashMap<String, String>>,
    /// Inside a `const`/`static` item's initialiser (whose own constants are not the file's).
    in_const: usize,
}

impl Collector {
    fn constant(&mut self, ident: &syn::Ident, expr: &syn::Expr) {
        if self.in_const == 0
            && let Some(consts) = &mut self.consts
            && let Some(text) = crate::sinks::const_text(expr)
        {
            consts.insert(ident.to_string(), text);
        }
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.constant(&item.ident, &item.expr);
        self.in_const += 1;
        syn::visit::visit_item_const(self, item);
        self.in_const -= 1;
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.constant(&item.ident, &item.expr);
        self.in_const += 1;
        syn::visit::visit_item_static(self, item);
        self.in_const -= 1;
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if !skipped(mac) {
            let braced = matches!(mac.delimiter, syn::MacroDelimiter::Brace(_));
            self.macros
                .push((start_of(mac), mac.tokens.clone(), braced));
        }
    }
}

/// The macro body itself when it is a block's statements (`spawn_local! { .. }`), else each
/// brace group in it that is (`db_run! { conn: sqlite { .. } }`), at any depth of groups that
/// are not themselves blocks.
fn blocks_in(tokens: TokenStream, braced: bool, budget: &mut usize) -> Vec<Block> {
    let mut out = Vec::new();
    // `join!(a(), b())`, `try_join!(..)`, `vec![..]`: the body as a list of expressions, kept
    // as one array expression (its elements' values go into the macro, whose semantics we do
    // not know: the calls inside are found, their results are the macro's business).
    if !braced && let Some(list) = expressions(tokens.clone()) {
        out.push(list);
        return out;
    }
    // (tokens, the braces around them when they are a group's)
    let mut stack = vec![(tokens, None)];
    while let Some((tokens, braces)) = stack.pop() {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        if let Some(stmts) = statements(tokens.clone()) {
            if !stmts.is_empty() {
                out.push(Block {
                    brace_token: braces.map(syn::token::Brace).unwrap_or_default(),
                    stmts,
                });
            }
            continue;
        }
        for token in tokens {
            if let TokenTree::Group(group) = token
                && group.delimiter() == Delimiter::Brace
            {
                stack.push((group.stream(), Some(group.delim_span())));
            }
        }
    }
    out
}

/// `tokens` as comma-separated expressions holding at least one call, as a block whose one
/// statement is an array of them.
fn expressions(tokens: TokenStream) -> Option<Block> {
    if !has_call(&tokens) {
        return None;
    }
    let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
    let elems = syn::parse::Parser::parse2(parser, tokens).ok()?;
    if elems.is_empty() {
        return None;
    }
    let array = syn::Expr::Array(syn::ExprArray {
        attrs: Vec::new(),
        bracket_token: Default::default(),
        elems,
    });
    Some(Block {
        brace_token: Default::default(),
        stmts: vec![Stmt::Expr(array, None)],
    })
}

/// `tokens` as a block's statements, if they parse as one and hold at least one call.
fn statements(tokens: TokenStream) -> Option<Vec<Stmt>> {
    if !has_call(&tokens) {
        return None;
    }
    syn::parse::Parser::parse2(Block::parse_within, tokens).ok()
}

/// Does a parenthesised group (a call's arguments, usually) stand at the top of `tokens`? A
/// body without one holds no call worth parsing for.
fn has_call(tokens: &TokenStream) -> bool {
    tokens
        .clone()
        .into_iter()
        .any(|t| matches!(&t, TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    /// The constants collected on the macro walk equal those of a walk of their own, on every
    /// Rust file of the repository's fixtures, examples and crates.
    #[test]
    fn constants_on_the_macro_walk_equal_their_own_walk() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut dirs = vec![
            root.join("fixtures"),
            root.join("examples"),
            root.join("crates"),
        ];
        let mut files = 0;
        let mut constants = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
                let path = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("read");
                let Ok(file) = syn::parse_file(&text) else {
                    continue;
                };
                let mut own = HashMap::new();
                crate::sinks::collect_consts(&file, &mut own);
                let (_, folded) = super::MacroBodies::parse(&file);
                assert_eq!(folded, own, "{}", path.display());
                files += 1;
                constants += own.len();
                proc_macro2::extra::invalidate_current_thread_spans();
            }
        }
        assert!(files > 40, "{files} files");
        // A nested constant (in a constant's initialiser) and one in a function body.
        let text = "const A: &str = { const B: &str = \"INSERT INTO b\"; B };\n\
                    fn f() { const C: &str = \"INSERT INTO c\"; }\n\
                    static D: &str = \"d\";";
        let file = syn::parse_file(text).expect("parses");
        let mut own = HashMap::new();
        crate::sinks::collect_consts(&file, &mut own);
        let (_, folded) = super::MacroBodies::parse(&file);
        assert_eq!(folded, own);
        assert_eq!(folded.len(), 2, "{folded:?}");
        assert!(constants > 0);
    }
}
