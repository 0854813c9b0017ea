//! Entry points for the fuzz harness (`fuzz/`), not an API: one file's bytes through the steps
//! a run takes after reading them, without discovery or a project.

/// Decodes `bytes` as a run does (the binary and UTF-8 checks), parses them as `path`'s language
/// (the TypeScript grammar for `.ts`, TSX for `.tsx`/`.js`, syn for `.rs` after its nesting
/// pre-check) and lists the problems a run reports for the file (syntax errors, truncation).
/// `Err`: why the file would not be checked. Generated-code recognition is left out on purpose,
/// so that the front ends see huge lines too.
pub fn analyse_file(path: &str, bytes: Vec<u8>, check_tests: bool) -> Result<Vec<String>, String> {
    let text = crate::read::decode(bytes)?;
    let facts = crate::analysis::parse_file(path, &text, check_tests)?;
    Ok(crate::analysis::facts_problems(&facts, &text))
}
