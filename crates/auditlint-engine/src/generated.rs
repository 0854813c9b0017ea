//! Generated and minified code, recognised before parsing: build output, bundles, files that
//! say they are generated. Such a file is skipped — never parsed, never an error — and counted
//! (`summary.skipped_generated`, listed with `--verbose`): nobody fixes a swallowed audit write
//! in a bundle, they fix its source, and a 1.7 MB minified chunk costs more to parse than the
//! rest of a project.
//!
//! Two looks, both cheap: the path (before the file is read) and the text.

use std::path::Path;

/// Directories that hold build output wherever they are.
const OUTPUT_DIRS: &[&str] = &[".next", "coverage"];

/// Directories that hold build output unless they sit below a `src` directory
/// (`packages/cli/src/commands/build/` is source; `packages/cli/dist/` is not).
const OUTPUT_DIRS_OUTSIDE_SRC: &[&str] = &["dist", "build", "out"];

/// Why a project-relative path is build output or a bundle, judged by the path alone.
pub fn by_path(rel: &str) -> Option<String> {
    let parts: Vec<&str> = rel.split('/').collect();
    let (name, dirs) = parts.split_last()?;
    let mut below_src = false;
    for (i, dir) in dirs.iter().enumerate() {
        if OUTPUT_DIRS.contains(dir)
            || (*dir == "_next" && dirs.get(i + 1) == Some(&"static"))
            || (!below_src && OUTPUT_DIRS_OUTSIDE_SRC.contains(dir))
        {
            return Some(format!("in a build output directory (`{dir}/`)"));
        }
        below_src |= *dir == "src";
    }
    let lower = name.to_ascii_lowercase();
    if lower.contains(".min.") {
        return Some("a minified file (`*.min.*`)".into());
    }
    if [".bundle.js", ".bundle.mjs", ".bundle.cjs"]
        .iter()
        .any(|ext| lower.ends_with(ext))
    {
        return Some("a bundle (`*.bundle.js`)".into());
    }
    None
}

/// A line longer than this, with lines this long on average, is minified code.
const MINIFIED_LINE: usize = 1_000;
const MINIFIED_AVERAGE: usize = 300;
/// Compiled output keeps a source map comment; its lines are long but not minified-long.
const COMPILED_LINE: usize = 500;
/// A generated-file header is looked for in this many first lines.
const HEADER_LINES: usize = 5;
/// webpack's runtime marks its bootstrap `// webpackBootstrap`, after at most a license banner
/// and a UMD wrapper: looked for in this many first bytes.
const BUNDLE_MARKER_BYTES: usize = 8 * 1024;

/// A webpack bundle (minified or not: `pdfmake.js`, a vendored 2.7 MB one, is not), by the
/// comment webpack's runtime starts with.
fn webpack_bundle(prefix: &[u8]) -> Option<String> {
    let head = &prefix[..prefix.len().min(BUNDLE_MARKER_BYTES)];
    memchr::memmem::find(head, b"// webpackBootstrap")
        .is_some()
        .then(|| "a webpack bundle (`// webpackBootstrap`)".to_string())
}

/// Why a text is generated or minified, judged by its content. Minified and compiled output
/// are JavaScript things; a Rust file is generated only when its header says so.
pub fn by_content(path: &Path, text: &str) -> Option<String> {
    if path.extension().is_some_and(|e| e == "rs") {
        return header(text);
    }
    // Generated Go (sqlc's queries, ent's client) is parsed: other files call into it, and
    // sqlc keeps the SQL text there. Its own findings are not reported (`FileFacts::generated`).
    if path.extension().is_some_and(|e| e == "go") {
        return None;
    }
    // Every file not skipped by its path comes here: one SIMD scan for line breaks.
    let mut lines = 1usize;
    let mut longest = 0usize;
    let mut start = 0usize;
    for at in memchr::memchr_iter(b'\n', text.as_bytes()) {
        lines += 1;
        longest = longest.max(at - start);
        start = at + 1;
    }
    longest = longest.max(text.len() - start);
    if longest > MINIFIED_LINE && text.len() / lines > MINIFIED_AVERAGE {
        return Some(format!(
            "minified (a line of {longest} bytes, {} bytes per line on average)",
            text.len() / lines
        ));
    }
    if let Some(bundle) = webpack_bundle(text.as_bytes()) {
        return Some(bundle);
    }
    if longest > COMPILED_LINE && has_source_map_comment(text) {
        return Some(format!(
            "compiled output (a `sourceMappingURL` comment and a line of {longest} bytes)"
        ));
    }
    header(text)
}

/// Only the first bytes of a file too large to read (a shebang, a banner, then one long line):
/// judged as minified by those bytes alone.
pub fn by_prefix(prefix: &[u8]) -> Option<String> {
    if let Some(bundle) = webpack_bundle(prefix) {
        return Some(bundle);
    }
    let lines = prefix.split(|&b| b == b'\n').count();
    let longest = prefix.split(|&b| b == b'\n').map(<[u8]>::len).max()?;
    (longest > MINIFIED_LINE && prefix.len() / lines > MINIFIED_AVERAGE).then(|| {
        format!(
            "minified (a line longer than {longest} bytes in its first {} bytes)",
            prefix.len()
        )
    })
}

fn has_source_map_comment(text: &str) -> bool {
    // The comment is the last thing a compiler writes; look at the tail only.
    let tail_start = text.len().saturating_sub(4096);
    let tail_start = (tail_start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[tail_start..].contains("# sourceMappingURL=")
}

/// `// @generated`, `/* Code generated by … DO NOT EDIT. */`, `//! Generated by …, do not edit
/// by hand`: a comment in the first lines that says so.
fn header(text: &str) -> Option<String> {
    for line in text.lines().take(HEADER_LINES) {
        let line = line.trim_start();
        let comment = ["//", "/*", "*", "#"].iter().any(|c| line.starts_with(c));
        if !comment {
            continue;
        }
        if line.contains("@generated") {
            return Some("generated (an `@generated` header)".into());
        }
        if line.to_ascii_lowercase().contains("do not edit") {
            return Some("generated (a `DO NOT EDIT` header)".into());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A webpack bundle that is not minified (a vendored `pdfmake.js`: short lines, 2.7 MB) is
    /// a bundle by the marker webpack's runtime writes, whether the whole text or only the
    /// first bytes of a file over the size limit are looked at; source that merely mentions
    /// webpack is not.
    #[test]
    fn webpack_bundles_by_their_bootstrap_comment() {
        let bundle = "/*! lib v0.2.4, @license MIT */\n(function webpackUniversalModuleDefinition(root, factory) {\n\tmodule.exports = factory();\n})(this, function() {\nreturn /******/ (function() { // webpackBootstrap\n/******/ \tvar __webpack_modules__ = ({\n";
        let text = bundle.to_string() + &"var x = 1;\n".repeat(500);
        assert_eq!(
            by_content(Path::new("static/plugins/lib.js"), &text).as_deref(),
            Some("a webpack bundle (`// webpackBootstrap`)")
        );
        assert_eq!(
            by_prefix(text.as_bytes()).as_deref(),
            Some("a webpack bundle (`// webpackBootstrap`)")
        );
        let source =
            "// configures webpack for the app\nmodule.exports = { entry: './src/index.js' };\n";
        assert_eq!(by_content(Path::new("webpack.config.js"), source), None);
        assert_eq!(by_prefix(source.as_bytes()), None);
    }

    #[test]
    fn output_directories_and_bundle_names() {
        for path in [
            ".next/server/app/page.js",
            "apps/web/.next/static/chunks/main.js",
            "public/_next/static/chunks/framework.js",
            "packages/ui/dist/index.js",
            "build/index.js",
            "out/main.js",
            "coverage/lcov-report/prettify.js",
            "vendor/jquery.min.js",
            "static/app.min.mjs",
            "static/app.bundle.js",
        ] {
            assert!(by_path(path).is_some(), "{path}");
        }
        for path in [
            "src/index.ts",
            "packages/cli/src/commands/build/index.ts",
            "src/out/writer.ts",
            "apps/web/_next.ts",
            "lib/minimal.ts",
            "admin.ts",
            "distribution/index.ts",
        ] {
            assert_eq!(by_path(path), None, "{path}");
        }
    }

    #[test]
    fn minified_and_compiled_text() {
        let bundle = "!function(){".to_string() + &"var a=1;".repeat(500) + "}();";
        assert!(
            by_content(Path::new("a.js"), &bundle)
                .unwrap()
                .starts_with("minified")
        );
        let compiled = format!(
            "\"use strict\";\n{}\n//# sourceMappingURL=index.js.map\n",
            "x".repeat(600)
        );
        assert!(
            by_content(Path::new("a.js"), &compiled)
                .unwrap()
                .starts_with("compiled")
        );
        // Ordinary code with one long line (a data URL) among many short ones stays.
        let mut source = "const a = 1;\n".repeat(400);
        source.push_str(&format!(
            "const logo = \"data:image/png;base64,{}\";\n",
            "A".repeat(5000)
        ));
        assert_eq!(by_content(Path::new("a.ts"), &source), None);
        assert!(by_prefix(&[b'x'; 8192]).is_some());
        // Rust is never judged minified: only its header says it is generated.
        assert_eq!(by_content(Path::new("a.rs"), &bundle), None);
        assert!(by_prefix(b"const a = 1;\nconst b = 2;").is_none());
    }

    #[test]
    fn generated_headers() {
        for text in [
            "// @generated by prisma\nexport const a = 1;\n",
            "/* eslint-disable */\n// Code generated by protoc-gen-ts. DO NOT EDIT.\nexport {};\n",
            "//! Generated by `cargo xtask codegen`, do not edit by hand.\nfn f() {}\n",
        ] {
            assert!(by_content(Path::new("a.ts"), text).is_some(), "{text}");
        }
        // Said in code, or far down the file: not a header.
        let text = "export const note = \"do not edit\";\n";
        assert_eq!(by_content(Path::new("a.ts"), text), None);
        let text = format!("{}// @generated\n", "const a = 1;\n".repeat(10));
        assert_eq!(by_content(Path::new("a.ts"), &text), None);
    }
}
