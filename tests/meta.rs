//! Policy as tests: every rule is documented with the required headings, every example in a
//! document is run, and every message follows the convention (lowercase start, no trailing
//! period, code in backticks).

mod support;

use serde_json::Value;

const HEADINGS: &[&str] = &[
    "## What it does",
    "## Why it matters",
    "## Example",
    "## Use instead",
    "## Configuration",
];

fn rule_ids() -> Vec<String> {
    let output = support::auditlint().arg("rules").output().unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

fn document(rule: &str) -> String {
    let path = support::repo_root()
        .join("rules")
        .join(format!("{rule}.md"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_rule_has_a_document_with_the_required_headings() {
    let rules = rule_ids();
    assert!(rules.len() >= 3, "{rules:?}");
    for rule in &rules {
        let doc = document(rule);
        assert!(
            doc.starts_with(&format!("# {rule}\n")),
            "rules/{rule}.md starts with `# {rule}`"
        );
        let mut at = 0;
        for heading in HEADINGS {
            let found = doc[at..]
                .lines()
                .position(|l| l.trim_end() == *heading)
                .unwrap_or_else(|| panic!("rules/{rule}.md lacks `{heading}` (in order)"));
            at += doc[at..]
                .lines()
                .take(found + 1)
                .map(|l| l.len() + 1)
                .sum::<usize>();
        }
        for control in ["CC7.1", "CC7.2", "A.12.4"] {
            assert!(doc.contains(control), "rules/{rule}.md names {control}");
        }
        // The binary embeds exactly this document.
        let explained = support::auditlint()
            .args(["explain", rule])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&explained.stdout), doc);
    }
}

/// The fenced `ts`, `rust` and `go` blocks of one section, with the file name each is checked as.
fn code_blocks(doc: &str, heading: &str) -> Vec<(&'static str, String)> {
    let Some(start) = doc.find(heading) else {
        return Vec::new();
    };
    let rest = &doc[start + heading.len()..];
    let section = rest.find("\n## ").map_or(rest, |end| &rest[..end]);
    let mut blocks = Vec::new();
    let mut current: Option<(&'static str, String)> = None;
    for line in section.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```ts") => current = Some(("example.ts", String::new())),
            (None, l) if l.starts_with("```rust") => current = Some(("example.rs", String::new())),
            (None, l) if l.starts_with("```go") => current = Some(("example.go", String::new())),
            (Some(_), l) if l.starts_with("```") => blocks.push(current.take().unwrap()),
            (Some((_, block)), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

fn check_snippet((file, code): &(&str, String)) -> Value {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auditlint.toml"), "").unwrap();
    std::fs::write(dir.path().join(file), code).unwrap();
    let (_, json) = support::check_json(dir.path(), &[]);
    json
}

#[test]
fn every_documented_example_does_what_it_says() {
    for rule in rule_ids() {
        let doc = document(&rule);
        let bad = code_blocks(&doc, "## Example");
        let good = code_blocks(&doc, "## Use instead");
        assert!(
            !bad.is_empty() && !good.is_empty(),
            "rules/{rule}.md has runnable examples"
        );
        // The four audit rules show their Rust form too.
        if rule.starts_with("audit-") {
            for blocks in [&bad, &good] {
                assert!(
                    blocks.iter().any(|(file, _)| file.ends_with(".rs")),
                    "rules/{rule}.md shows a Rust example in both sections"
                );
            }
        }
        for block in &bad {
            let json = check_snippet(block);
            let fires = json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == rule.as_str());
            assert!(
                fires,
                "rules/{rule}.md example does not fire:\n{}\n{json:#}",
                block.1
            );
            assert_eq!(
                json["errors"].as_array().unwrap().len(),
                0,
                "{}\n{json:#}",
                block.1
            );
        }
        for block in &good {
            let json = check_snippet(block);
            // Clean means nothing left to fix: a finding silenced by a valid inline suppression
            // (the point of `suppression-invalid`'s example) is not one.
            let unsuppressed = json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f.get("suppressed").is_none())
                .count();
            assert_eq!(
                unsuppressed, 0,
                "rules/{rule}.md `Use instead` is not clean:\n{}\n{json:#}",
                block.1
            );
            assert_eq!(json["summary"]["findings"], 0, "{}\n{json:#}", block.1);
            assert_eq!(
                json["errors"].as_array().unwrap().len(),
                0,
                "{}\n{json:#}",
                block.1
            );
        }
    }
}

fn assert_message_convention(what: &str, text: &str) {
    let first = text.chars().next().unwrap_or(' ');
    assert!(
        first.is_lowercase() || first == '`',
        "{what} must start lowercase: {text}"
    );
    assert!(
        !text.ends_with('.'),
        "{what} must not end with a period: {text}"
    );
    assert_eq!(
        text.matches('`').count() % 2,
        0,
        "{what} has unbalanced backticks: {text}"
    );
}

#[test]
fn messages_follow_the_convention() {
    let root = support::repo_root();
    let mut seen = 0;
    let mut dirs: Vec<std::path::PathBuf> = vec![root.join("examples/saas-monorepo")];
    for entry in std::fs::read_dir(root.join("fixtures")).unwrap() {
        dirs.push(entry.unwrap().path());
    }
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        let temp = tempfile::tempdir().unwrap();
        std::fs::write(temp.path().join("auditlint.toml"), "").unwrap();
        support::copy_into(dir, temp.path());
        let (_, json) = support::check_json(temp.path(), &[]);
        for finding in json["findings"].as_array().unwrap() {
            seen += 1;
            assert_message_convention("message", finding["message"].as_str().unwrap());
            assert_message_convention("help", finding["help"].as_str().unwrap());
            for label in finding["labels"].as_array().unwrap() {
                assert_message_convention("label", label["message"].as_str().unwrap());
            }
        }
    }
    assert!(
        seen >= 3,
        "the convention was checked on {seen} findings only"
    );
}
