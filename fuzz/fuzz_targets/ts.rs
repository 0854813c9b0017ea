//! The TypeScript/JavaScript front end on arbitrary bytes: decoded as a run decodes a file,
//! parsed with the TypeScript grammar (`.ts`) and the TSX one (`.tsx`, also used for `.js`), the
//! facts and the problems a run reports; then re-parsed incrementally from an edited version,
//! as the language server does on every keystroke.
#![no_main]

use auditlint_core::facts::Language;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    auditlint_fuzz::remember(data);
    auditlint_fuzz::on_worker(|| {
        for path in ["src/input.ts", "src/input.tsx"] {
            let _ = auditlint_engine::fuzzing::analyse_file(path, data.to_vec(), true);
        }
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let edited = auditlint_fuzz::cut_middle(text);
        if let Ok((_, tree)) =
            auditlint_ts::extract_incremental(&edited, Language::TypeScript, None)
        {
            let _ = auditlint_ts::extract_incremental(
                text,
                Language::TypeScript,
                Some((&edited, &tree)),
            );
        }
    });
});
