//! The whole engine in-process on a project of two files and a configuration, written from
//! one input: `SELECTOR FILE1 [0x1E FILE2 [0x1E AUDITLINT_TOML]]` (see
//! `auditlint_fuzz::layout`). A run as `auditlint check` makes it — discovery, reading,
//! prefilter, parsing, the cross-file index, rules, suppressions, fingerprints — then every
//! output format; lowercase selectors add the inventory and an editor's session through the
//! language server's workspace. A panic anywhere, an "internal error" in the report or JSON
//! output that does not parse is a crash.
#![no_main]

use auditlint_engine::{CacheMode, CheckOptions, Workspace};
use auditlint_fuzz::{PART_SEPARATOR, cut_middle, layout, project_dir, write_project};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    auditlint_fuzz::remember(data);
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let layout = layout(selector);
    let mut parts = rest.splitn(3, |&b| b == PART_SEPARATOR);
    let first = parts.next().unwrap_or_default();
    let second = parts.next().unwrap_or_default();
    let config = parts.next().unwrap_or_default();
    let dir = project_dir();
    write_project(
        dir,
        &[
            ("auditlint.toml", config),
            (layout.files[0], first),
            (layout.files[1], second),
        ],
    );
    let options = CheckOptions {
        paths: vec![dir.to_path_buf()],
        cwd: Some(dir.to_path_buf()),
        threads: Some(1),
        cache: CacheMode::Off,
        inventory: layout.editor_and_inventory,
        ..CheckOptions::default()
    };
    // A configuration the fuzzer broke (invalid TOML, not UTF-8, a bad glob) stops the run with
    // a message and exit code 2: said, not a crash.
    let Ok(report) = auditlint_engine::check(&options) else {
        return;
    };
    for error in &report.errors {
        assert!(
            !error.message.contains("internal error"),
            "{}: {}",
            error.path,
            error.message
        );
    }
    let json = auditlint_report::json::render(&report, "0.0.0");
    serde_json::from_str::<serde_json::Value>(&json).expect("--format json is JSON");
    let _ = auditlint_report::human::render_with(&report, true, true);
    let _ = auditlint_report::human::statistics(&report);
    let _ = auditlint_report::github::render(&report);
    let _ = auditlint_report::github::step_summary(&report);
    let sarif = auditlint_report::sarif::render(&report, "0.0.0", &[]);
    serde_json::from_str::<serde_json::Value>(&sarif).expect("--format sarif is JSON");
    let _ = auditlint_report::lsp::render(&report, dir);
    let _ = auditlint_report::suppressions::render_csv(&report);
    if let Some(inventory) = &report.inventory {
        let _ = auditlint_report::inventory::render_markdown(inventory, "0.0.0");
        let _ = auditlint_report::inventory::render_csv(inventory);
    }
    if layout.editor_and_inventory {
        let Ok(mut workspace) = Workspace::load(dir) else {
            return;
        };
        let rel = layout.files[0];
        let text = String::from_utf8_lossy(first);
        for version in [cut_middle(&text), text.into_owned()] {
            workspace.open_document(rel, &version);
            let (_, errors) = workspace.check_file(rel);
            for error in &errors {
                assert!(
                    !error.message.contains("internal error"),
                    "{}: {}",
                    error.path,
                    error.message
                );
            }
        }
    }
});
