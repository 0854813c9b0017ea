//! The baseline: `auditlint baseline FILE` records today's findings, `check --baseline FILE`
//! reports only new ones, `--update-baseline` ratchets. Fingerprints must survive moved lines,
//! reformatting and renamed neighbouring functions, and still tell a second identical swallow
//! apart; a missing or corrupt baseline is an error, never an empty one.

mod support;

use std::path::Path;

use serde_json::Value;

const PURGE: &str = r#"interface Env {
  DB: D1Database;
}

export function neighbour(): number {
  return 1;
}

export async function purge(env: Env, ids: string[]): Promise<Response> {
  try {
    await env.DB.prepare("INSERT INTO staff_audit_logs (action, ids) VALUES (?, ?)").bind("purge", ids.join(",")).run();
  } catch (err) {}
  return new Response("ok");
}

export async function revoke(env: Env, id: string): Promise<Response> {
  try {
    await env.DB.prepare("INSERT INTO audit_log (action, target) VALUES (?, ?)").bind("revoke", id).run();
  } catch (err) {
    console.log("audit failed", err);
  }
  return new Response("ok");
}
"#;

fn project(source: &str) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("auditlint.toml"), "").unwrap();
    std::fs::create_dir(temp.path().join("src")).unwrap();
    write(temp.path(), source);
    temp
}

fn write(dir: &Path, source: &str) {
    std::fs::write(dir.join("src/purge.ts"), source).unwrap();
}

fn record(dir: &Path) {
    let output = support::auditlint()
        .current_dir(dir)
        .args(["baseline", "baseline.json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `check --baseline baseline.json` as JSON: (exit code with `--fail-on error`, JSON).
fn check(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let code = support::auditlint()
        .current_dir(dir)
        .args(["check", "--baseline", "baseline.json"])
        .args(extra)
        .output()
        .unwrap()
        .status
        .code()
        .unwrap_or(-1);
    let (_, json) = support::check_json(dir, &["--baseline", "baseline.json"]);
    (code, json)
}

fn rules(json: &Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}:{}", f["rule"].as_str().unwrap(), f["line"]))
        .collect()
}

fn baseline_entries(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("baseline.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    json["findings"].as_array().unwrap().clone()
}

#[test]
fn a_fresh_baseline_hides_every_finding() {
    let temp = project(PURGE);
    record(temp.path());
    assert_eq!(baseline_entries(temp.path()).len(), 2);
    let (code, json) = check(temp.path(), &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(rules(&json), Vec::<String>::new());
    assert_eq!(json["summary"]["findings"], 0);
    assert_eq!(json["summary"]["baselined"], 2);
}

#[test]
fn the_file_is_sorted_pretty_stable_and_versioned() {
    let temp = project(PURGE);
    record(temp.path());
    let first = std::fs::read_to_string(temp.path().join("baseline.json")).unwrap();
    record(temp.path());
    let second = std::fs::read_to_string(temp.path().join("baseline.json")).unwrap();
    assert_eq!(first, second);
    assert!(first.starts_with("{\n  \"version\": 1,\n"), "{first}");
    assert!(first.ends_with("}\n"));
    let entries = baseline_entries(temp.path());
    let keys: Vec<(String, String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().into(),
                e["rule"].as_str().unwrap().into(),
                e["fingerprint"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(entries[0]["path"], "src/purge.ts", "project-relative paths");
    // No temporary file is left behind by the atomic write.
    let leftovers: Vec<_> = std::fs::read_dir(temp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn findings_stay_baselined_when_lines_move_code_is_reformatted_and_neighbours_are_renamed() {
    let temp = project(PURGE);
    record(temp.path());
    let edited = format!(
        "// A header comment added later.\n// Another one.\n\n{}",
        PURGE
            .replace("export function neighbour(): number {\n  return 1;\n}\n", "export function renamedNeighbour(): number {\n  return 2;\n}\n\nexport const extra = 3;\n")
            .replace(
                "  } catch (err) {}\n  return new Response(\"ok\");\n}\n\nexport async function revoke",
                "  }\n  catch (err) {\n  }\n  return new Response(\"ok\");\n}\n\nexport async function revoke",
            )
            .replace("console.log(\"audit failed\", err);", "console.log('audit failed', err)")
    );
    assert_ne!(edited, PURGE);
    write(temp.path(), &edited);
    let (code, json) = check(temp.path(), &[]);
    assert_eq!(rules(&json), Vec::<String>::new(), "{edited}");
    assert_eq!(code, 0);
    assert_eq!(json["summary"]["baselined"], 2);
}

#[test]
fn a_second_identical_swallow_in_the_same_function_is_new() {
    let temp = project(PURGE);
    record(temp.path());
    let duplicated = PURGE.replace(
        "  } catch (err) {}\n  return new Response(\"ok\");",
        "  } catch (err) {}\n  try {\n    await env.DB.prepare(\"INSERT INTO staff_audit_logs (action, ids) VALUES (?, ?)\").bind(\"purge\", ids.join(\",\")).run();\n  } catch (err) {}\n  return new Response(\"ok\");",
    );
    write(temp.path(), &duplicated);
    let (code, json) = check(temp.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(rules(&json), ["audit-error-swallowed:15"], "{json:#}");
    assert_eq!(json["summary"]["baselined"], 2);
}

#[test]
fn the_same_swallow_in_another_function_is_new() {
    let temp = project(PURGE);
    record(temp.path());
    let renamed = PURGE.replace("function purge(", "function purgeAll(");
    write(temp.path(), &renamed);
    let (_, json) = check(temp.path(), &[]);
    assert_eq!(rules(&json), ["audit-error-swallowed:12"]);
}

#[test]
fn a_missing_or_corrupt_baseline_is_an_error_naming_the_file() {
    let temp = project(PURGE);
    for (content, expected) in [
        (None, "cannot read the baseline"),
        (
            Some("{\"version\": 1, \"findings\": [".to_string()),
            "not a baseline file",
        ),
        (Some("not json".to_string()), "not a baseline file"),
        (Some(String::new()), "not a baseline file"),
        (
            Some("{\"version\": 99, \"findings\": []}".to_string()),
            "version 99 is not supported",
        ),
    ] {
        match &content {
            Some(text) => std::fs::write(temp.path().join("baseline.json"), text).unwrap(),
            None => {
                let _ = std::fs::remove_file(temp.path().join("baseline.json"));
            }
        }
        for update in [false, true] {
            let mut cmd = support::auditlint();
            cmd.current_dir(temp.path())
                .args(["check", "--baseline", "baseline.json"]);
            if update {
                cmd.arg("--update-baseline");
            }
            let output = cmd.output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{content:?}: {stderr}");
            assert!(stderr.contains("baseline.json"), "{stderr}");
            assert!(stderr.contains(expected), "{content:?}: {stderr}");
            assert!(
                output.stdout.is_empty(),
                "nothing is reported as if the baseline were empty"
            );
        }
        // The corrupt file is left as it was.
        if let Some(text) = &content {
            assert_eq!(
                &std::fs::read_to_string(temp.path().join("baseline.json")).unwrap(),
                text
            );
        }
    }
}

#[test]
fn update_baseline_drops_fixed_findings_and_never_adds() {
    let temp = project(PURGE);
    record(temp.path());
    assert_eq!(baseline_entries(temp.path()).len(), 2);
    // Fix `revoke`, add a new swallow elsewhere.
    let fixed = PURGE
        .replace("console.log(\"audit failed\", err);", "console.warn(\"audit failed\", err);")
        .replace(
            "export function neighbour(): number {\n  return 1;\n}\n",
            "export async function fresh(env: Env): Promise<void> {\n  await env.DB.prepare(\"INSERT INTO audit_log (action) VALUES ('x')\").run().catch(() => {});\n}\n",
        );
    write(temp.path(), &fixed);
    let output = support::auditlint()
        .current_dir(temp.path())
        .args(["check", "--baseline", "baseline.json", "--update-baseline"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "the new finding still fails");
    let entries = baseline_entries(temp.path());
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0]["rule"], "audit-error-swallowed");
    // The fixed finding cannot come back unnoticed.
    write(temp.path(), PURGE);
    let (_, json) = check(temp.path(), &[]);
    assert_eq!(rules(&json), ["audit-error-swallowed:19"], "{json:#}");
}

#[test]
fn update_baseline_keeps_entries_outside_the_checked_paths() {
    let temp = project(PURGE);
    std::fs::create_dir(temp.path().join("other")).unwrap();
    std::fs::write(temp.path().join("other/more.ts"), PURGE).unwrap();
    record(temp.path());
    assert_eq!(baseline_entries(temp.path()).len(), 4);
    let output = support::auditlint()
        .current_dir(temp.path())
        .args([
            "check",
            "src",
            "--baseline",
            "baseline.json",
            "--update-baseline",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(baseline_entries(temp.path()).len(), 4);
}

#[test]
fn update_baseline_needs_a_baseline_and_the_whole_change() {
    let temp = project(PURGE);
    record(temp.path());
    for args in [
        &["check", "--update-baseline"][..],
        // `--changed-since` hides findings outside the diff: a ratchet would drop their entries.
        &[
            "check",
            "--baseline",
            "baseline.json",
            "--update-baseline",
            "--changed-since",
            "HEAD",
        ][..],
    ] {
        let output = support::auditlint()
            .current_dir(temp.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
    assert_eq!(baseline_entries(temp.path()).len(), 2);
}

#[test]
fn suppressed_findings_are_not_recorded() {
    let temp = project(&PURGE.replace(
        "  } catch (err) {}",
        "  } catch (err) {} // auditlint-ignore audit-error-swallowed -- replayed by the nightly job",
    ));
    record(temp.path());
    let entries = baseline_entries(temp.path());
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["rule"], "audit-error-swallowed");
    let (_, json) = check(temp.path(), &[]);
    assert_eq!(json["summary"]["suppressed"], 1);
    assert_eq!(json["summary"]["baselined"], 1);
}

/// Writing a baseline leaves no litter — temporary files a killed earlier write left behind are
/// removed — and a symlinked baseline stays a symlink whose target gets the new text.
#[test]
fn writes_clean_up_killed_writes_and_keep_symlinks() {
    let dir = project(PURGE);
    // A `.baseline.json.PID.tmp` whose process is long gone (pid above any pid_max).
    let stale = dir.path().join(".baseline.json.4294967294.tmp");
    std::fs::write(&stale, "half a baseline").unwrap();
    record(dir.path());
    assert!(!stale.exists(), "the stale temporary file is removed");
    let litter: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(litter.is_empty(), "{litter:?}");

    // The baseline kept elsewhere, linked from the project.
    std::fs::create_dir(dir.path().join("compliance")).unwrap();
    std::fs::rename(
        dir.path().join("baseline.json"),
        dir.path().join("compliance/baseline.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink("compliance/baseline.json", dir.path().join("baseline.json"))
        .unwrap();
    std::fs::write(dir.path().join("compliance/baseline.json"), "{ not yet }").unwrap();
    record(dir.path());
    let link = std::fs::symlink_metadata(dir.path().join("baseline.json")).unwrap();
    assert!(link.file_type().is_symlink(), "the link is kept");
    assert!(
        !baseline_entries(dir.path()).is_empty(),
        "its target holds the baseline"
    );
}
