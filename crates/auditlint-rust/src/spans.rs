//! Byte spans of expressions from their first and last tokens.
//!
//! syn's `Spanned::span()` prints the whole node back to tokens to find its ends: on an
//! expression that holds a closure or an `async` block, that is the size of the block, and the
//! walker asks for the span of every call chain inside it too — quadratic in nesting. Here the
//! first and the last token are found by descending along the left and the right edge of the
//! expression: its depth, not its size. Shapes not handled here (types, generic paths, rare
//! expressions) fall back to `Spanned::span()` for that sub-node only; a test compares both on
//! every expression of the fixtures.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Member, PathArguments};

/// Descents at most this deep before falling back to `Spanned::span()` (never a deep recursion).
const MAX_DESCENT: u32 = 256;

/// Byte offsets of token positions, from the line and column proc-macro2 gives them.
///
/// proc-macro2's own `Span::byte_range` counts characters into a map of every position asked
/// for so far (two B-tree searches and an insert per end): most of a walk's span work. The line
/// and column of a position is one binary search over the lines; a line of ASCII text then
/// gives the byte offset at once, a line with wider characters by counting them on that line.
/// Spans of another source (syn's call-site spans) have line 1, column 0: offset 0, as
/// `byte_range` says of them.
pub(crate) struct Offsets<'t> {
    text: &'t str,
    /// Where each line starts, in bytes.
    lines: Vec<usize>,
    /// Per line: does it hold a character wider than a byte? Empty for an ASCII text.
    wide: Vec<bool>,
    /// The text syn parsed is not `text` itself (a second byte order mark, which syn strips
    /// before proc-macro2 sees the text): positions are asked of proc-macro2.
    fallback: bool,
}

impl<'t> Offsets<'t> {
    /// `text` as given to `syn::parse_file`.
    pub(crate) fn new(text: &'t str) -> Self {
        let fallback = text.starts_with('\u{feff}');
        let mut lines = Vec::with_capacity(if fallback { 0 } else { text.len() / 32 + 1 });
        let mut wide = Vec::new();
        if !fallback {
            lines.push(0);
            // `match_indices` of a character searches with `memchr`.
            lines.extend(text.match_indices('\n').map(|(i, _)| i + 1));
            if !text.is_ascii() {
                wide = (0..lines.len())
                    .map(|line| {
                        let end = lines.get(line + 1).copied().unwrap_or(text.len());
                        !text[lines[line]..end].is_ascii()
                    })
                    .collect();
            }
        }
        Offsets {
            text,
            lines,
            wide,
            fallback,
        }
    }

    fn offset(&self, at: proc_macro2::LineColumn) -> usize {
        let line = at.line.saturating_sub(1);
        let Some(&start) = self.lines.get(line) else {
            return self.text.len();
        };
        if !self.wide.get(line).copied().unwrap_or(false) {
            return (start + at.column).min(self.text.len());
        }
        self.text[start..]
            .char_indices()
            .nth(at.column)
            .map_or(self.text.len(), |(i, _)| start + i)
    }

    /// The byte offset where `span` starts.
    pub(crate) fn start(&self, span: Span) -> usize {
        if self.fallback {
            return span.byte_range().start;
        }
        self.offset(span.start())
    }

    /// The byte offset where `span` ends.
    pub(crate) fn end(&self, span: Span) -> usize {
        if self.fallback {
            return span.byte_range().end;
        }
        self.offset(span.end())
    }
}

/// `(start, end)` byte offsets of `expr` in the parsed text.
pub(crate) fn expr_range(expr: &Expr, offsets: &Offsets<'_>) -> (usize, usize) {
    let start = offsets.start(first(expr, 0).unwrap_or_else(|| expr.span()));
    let end = offsets.end(last(expr, 0).unwrap_or_else(|| expr.span()));
    (start, end)
}

/// `(start, end)` byte offsets of a block, braces included.
pub(crate) fn block_range(block: &syn::Block, offsets: &Offsets<'_>) -> (usize, usize) {
    (
        offsets.start(block.brace_token.span.open()),
        offsets.end(block.brace_token.span.close()),
    )
}

fn attrs_of(expr: &Expr) -> &[syn::Attribute] {
    match expr {
        Expr::Array(e) => &e.attrs,
        Expr::Assign(e) => &e.attrs,
        Expr::Async(e) => &e.attrs,
        Expr::Await(e) => &e.attrs,
        Expr::Binary(e) => &e.attrs,
        Expr::Block(e) => &e.attrs,
        Expr::Break(e) => &e.attrs,
        Expr::Call(e) => &e.attrs,
        Expr::Cast(e) => &e.attrs,
        Expr::Closure(e) => &e.attrs,
        Expr::Const(e) => &e.attrs,
        Expr::Continue(e) => &e.attrs,
        Expr::Field(e) => &e.attrs,
        Expr::ForLoop(e) => &e.attrs,
        Expr::Group(e) => &e.attrs,
        Expr::If(e) => &e.attrs,
        Expr::Index(e) => &e.attrs,
        Expr::Infer(e) => &e.attrs,
        Expr::Let(e) => &e.attrs,
        Expr::Lit(e) => &e.attrs,
        Expr::Loop(e) => &e.attrs,
        Expr::Macro(e) => &e.attrs,
        Expr::Match(e) => &e.attrs,
        Expr::MethodCall(e) => &e.attrs,
        Expr::Paren(e) => &e.attrs,
        Expr::Path(e) => &e.attrs,
        Expr::Range(e) => &e.attrs,
        Expr::RawAddr(e) => &e.attrs,
        Expr::Reference(e) => &e.attrs,
        Expr::Repeat(e) => &e.attrs,
        Expr::Return(e) => &e.attrs,
        Expr::Struct(e) => &e.attrs,
        Expr::Try(e) => &e.attrs,
        Expr::TryBlock(e) => &e.attrs,
        Expr::Tuple(e) => &e.attrs,
        Expr::Unary(e) => &e.attrs,
        Expr::Unsafe(e) => &e.attrs,
        Expr::While(e) => &e.attrs,
        Expr::Yield(e) => &e.attrs,
        _ => &[],
    }
}

/// The span of the first token of `expr`, when its shape is one handled here.
fn first(expr: &Expr, depth: u32) -> Option<Span> {
    if depth > MAX_DESCENT {
        return None;
    }
    if let Some(attr) = attrs_of(expr).first() {
        return Some(attr.pound_token.span);
    }
    let depth = depth + 1;
    Some(match expr {
        Expr::Call(e) => return first(&e.func, depth),
        Expr::MethodCall(e) => return first(&e.receiver, depth),
        Expr::Field(e) => return first(&e.base, depth),
        Expr::Await(e) => return first(&e.base, depth),
        Expr::Try(e) => return first(&e.expr, depth),
        Expr::Index(e) => return first(&e.expr, depth),
        Expr::Cast(e) => return first(&e.expr, depth),
        Expr::Binary(e) => return first(&e.left, depth),
        Expr::Assign(e) => return first(&e.left, depth),
        Expr::Path(e) if e.qself.is_none() => match &e.path.leading_colon {
            Some(colon) => colon.spans[0],
            None => e.path.segments.first()?.ident.span(),
        },
        Expr::Macro(e) => match &e.mac.path.leading_colon {
            Some(colon) => colon.spans[0],
            None => e.mac.path.segments.first()?.ident.span(),
        },
        Expr::Lit(e) => e.lit.span(),
        Expr::Paren(e) => e.paren_token.span.open(),
        Expr::Tuple(e) => e.paren_token.span.open(),
        Expr::Array(e) => e.bracket_token.span.open(),
        Expr::Reference(e) => e.and_token.span,
        Expr::Unary(e) => match &e.op {
            syn::UnOp::Deref(t) => t.span,
            syn::UnOp::Not(t) => t.span,
            syn::UnOp::Neg(t) => t.span,
            _ => return None,
        },
        Expr::Block(e) => match &e.label {
            Some(label) => label.name.apostrophe,
            None => e.block.brace_token.span.open(),
        },
        Expr::Async(e) => e.async_token.span,
        Expr::Unsafe(e) => e.unsafe_token.span,
        Expr::If(e) => e.if_token.span,
        Expr::Match(e) => e.match_token.span,
        Expr::Return(e) => e.return_token.span,
        Expr::Let(e) => e.let_token.span,
        Expr::Closure(e) if e.lifetimes.is_none() => {
            if let Some(t) = &e.constness {
                t.span
            } else if let Some(t) = &e.asyncness {
                t.span
            } else if let Some(t) = &e.capture {
                t.span
            } else {
                e.inputs_begin.span
            }
        }
        Expr::Struct(e) if e.qself.is_none() => match &e.path.leading_colon {
            Some(colon) => colon.spans[0],
            None => e.path.segments.first()?.ident.span(),
        },
        _ => return None,
    })
}

/// The span of the last token of `expr`, when its shape is one handled here.
fn last(expr: &Expr, depth: u32) -> Option<Span> {
    if depth > MAX_DESCENT {
        return None;
    }
    let depth = depth + 1;
    Some(match expr {
        Expr::Call(e) => e.paren_token.span.close(),
        Expr::MethodCall(e) => e.paren_token.span.close(),
        Expr::Field(e) => match &e.member {
            Member::Named(ident) => ident.span(),
            Member::Unnamed(index) => index.span,
        },
        Expr::Await(e) => e.await_token.span,
        Expr::Try(e) => e.question_token.span,
        Expr::Index(e) => e.bracket_token.span.close(),
        Expr::Binary(e) => return last(&e.right, depth),
        Expr::Assign(e) => return last(&e.right, depth),
        Expr::Reference(e) => return last(&e.expr, depth),
        Expr::Unary(e) => return last(&e.expr, depth),
        // With a return type, a body that is not a plain block is printed inside braces syn
        // makes up (no position of their own).
        Expr::Closure(e) if matches!(e.output, syn::ReturnType::Default) => {
            return last(&e.body, depth);
        }
        Expr::Return(e) => match &e.expr {
            Some(value) => return last(value, depth),
            None => e.return_token.span,
        },
        Expr::Let(e) => return last(&e.expr, depth),
        Expr::Path(e) if e.qself.is_none() => {
            let segment = e.path.segments.last()?;
            match &segment.arguments {
                PathArguments::None => segment.ident.span(),
                PathArguments::AngleBracketed(args) => args.gt_token.span,
                PathArguments::Parenthesized(_) => return None,
            }
        }
        Expr::Macro(e) => match &e.mac.delimiter {
            syn::MacroDelimiter::Paren(p) => p.span.close(),
            syn::MacroDelimiter::Brace(b) => b.span.close(),
            syn::MacroDelimiter::Bracket(b) => b.span.close(),
        },
        Expr::Lit(e) => e.lit.span(),
        Expr::Paren(e) => e.paren_token.span.close(),
        Expr::Tuple(e) => e.paren_token.span.close(),
        Expr::Array(e) => e.bracket_token.span.close(),
        Expr::Block(e) => e.block.brace_token.span.close(),
        Expr::Async(e) => e.block.brace_token.span.close(),
        Expr::Unsafe(e) => e.block.brace_token.span.close(),
        Expr::Match(e) => e.brace_token.span.close(),
        Expr::Struct(e) => e.brace_token.span.close(),
        Expr::If(e) => match &e.else_branch {
            Some((_, otherwise)) => return last(otherwise, depth),
            None => e.then_branch.brace_token.span.close(),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::visit::Visit;

    struct Compare<'t>(usize, &'t str, &'t Offsets<'t>);

    impl<'ast> Visit<'ast> for Compare<'_> {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            let slow = expr.span().byte_range();
            assert_eq!(
                expr_range(expr, self.2),
                (slow.start, slow.end),
                "{}",
                &self.1[slow.start..slow.end.min(slow.start + 200)]
            );
            self.0 += 1;
            syn::visit::visit_expr(self, expr);
        }

        fn visit_local(&mut self, local: &'ast syn::Local) {
            let slow = local.span().byte_range();
            let start = local
                .attrs
                .first()
                .map_or(local.let_token.span, |a| a.pound_token.span);
            assert_eq!(
                (
                    start.byte_range().start,
                    local.semi_token.span.byte_range().end
                ),
                (slow.start, slow.end)
            );
            syn::visit::visit_local(self, local);
        }

        fn visit_block(&mut self, block: &'ast syn::Block) {
            let slow = block.span().byte_range();
            assert_eq!(block_range(block, self.2), (slow.start, slow.end));
            syn::visit::visit_block(self, block);
        }
    }

    /// Every expression of every Rust fixture and example file: the same span both ways.
    #[test]
    fn spans_from_the_edges_equal_syn_spans() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        let mut dirs = vec![
            root.join("fixtures"),
            root.join("examples"),
            root.join("crates"),
        ];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
                let path = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        let mut parsed = 0;
        let mut expressions = 0;
        for file in &files {
            let text = std::fs::read_to_string(file).expect("read");
            let offsets = Offsets::new(&text);
            let mut compare = Compare(0, &text, &offsets);
            if let Ok(tree) = syn::parse_file(&text) {
                compare.visit_file(&tree);
                parsed += 1;
            }
            expressions += compare.0;
            proc_macro2::extra::invalidate_current_thread_spans();
        }
        assert!(parsed > 40, "{parsed} files");
        assert!(expressions > 20_000, "{expressions} expressions");
    }

    /// Every token's ends, from lines and columns, equal proc-macro2's byte ranges: ASCII and
    /// wider characters, line ends, the end of the text, and a text syn strips a mark from.
    #[test]
    fn offsets_from_lines_equal_byte_ranges() {
        let texts = [
            "fn f() { let s = \"é\"; g(s, 'ß') }\n// ünïcödé\nfn h() {}\n".to_string(),
            "fn a() {}\r\nfn b() -> u8 { 1 }".to_string(),
            "const X: &str = \"\u{1F600}\"; fn c() { x.0.1 }\n\n\tfn d() { [1, 2] }".to_string(),
            "\u{feff}fn e() { \"ä\" }\n".to_string(),
            "fn f() { \"two\nlines ü\" }".to_string(),
        ];
        for text in &texts {
            let offsets = Offsets::new(text);
            let stream: proc_macro2::TokenStream = text.parse().expect("tokens");
            let mut stack = vec![stream];
            let mut tokens = 0;
            while let Some(stream) = stack.pop() {
                for token in stream {
                    let mut spans = vec![token.span()];
                    if let proc_macro2::TokenTree::Group(g) = &token {
                        spans.push(g.span_open());
                        spans.push(g.span_close());
                        stack.push(g.stream());
                    }
                    for span in spans {
                        let slow = span.byte_range();
                        assert_eq!(
                            (offsets.start(span), offsets.end(span)),
                            (slow.start, slow.end)
                        );
                        tokens += 1;
                    }
                }
            }
            let call_site = proc_macro2::Span::call_site();
            assert_eq!((offsets.start(call_site), offsets.end(call_site)), (0, 0));
            assert!(tokens > 5);
            proc_macro2::extra::invalidate_current_thread_spans();
        }
    }
}
