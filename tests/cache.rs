//! The persistent cache through the binary — facts per file and the whole-run result: hits,
//! misses after an edit, invalidation by configuration, version, manifests and date, recovery
//! from damaged entries, concurrent runs — and always the same report as a run without the cache.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::auditlint;

/// A small project: a swallowed audit insert, a wrapper called from another file, a clean
/// handler and a Rust swallow.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let write = |rel: &str, text: &str| std::fs::write(root.join(rel), text).expect("write");
    write("auditlint.toml", "");
    std::fs::create_dir_all(root.join("src")).unwrap();
    write(
        "src/purge.ts",
        "export async function purge(env: Env, user: string) {\n  try {\n    await env.DB.prepare(\"INSERT INTO staff_audit_logs (user_id) VALUES (?)\").bind(user).run();\n  } catch (err) {}\n}\n",
    );
    write(
        "src/audit.ts",
        "export async function recordAudit(db: Db, row: Row) {\n  await db.from(\"audit_logs\").insert(row);\n}\n",
    );
    write(
        "src/handler.ts",
        "import { recordAudit } from \"./audit\";\nexport async function handle(db: Db, row: Row) {\n  recordAudit(db, row).catch(() => {});\n}\n",
    );
    write(
        "src/clean.ts",
        "export async function clean(env: Env) {\n  try {\n    await env.DB.prepare(\"INSERT INTO audit_log (a) VALUES (1)\").run();\n  } catch (err) {\n    console.warn(JSON.stringify({ event: \"audit_log_insert_failed\", error: String(err) }));\n  }\n}\n",
    );
    write(
        "src/lib.rs",
        "pub async fn record(pool: &PgPool) {\n    let _ = sqlx::query(\"INSERT INTO audit_log (a) VALUES (1)\").execute(pool).await;\n}\n\npub fn write_audit(conn: &rusqlite::Connection) -> rusqlite::Result<usize> {\n    conn.execute(\"INSERT INTO audit_log (a) VALUES (2)\", [])\n}\n",
    );
    // Rust files the first round passes over (held without their text in a run that
    // prefilters as it reads): one a later round reads again for its call of the writer.
    write(
        "src/caller.rs",
        "pub fn purge(conn: &rusqlite::Connection) {\n    let _ = crate::write_audit(conn);\n}\n",
    );
    write(
        "src/unrelated.rs",
        "pub fn add(a: u32) -> u32 {\n    a + 1\n}\n",
    );
    dir
}

/// What a run took from the cache, as `AUDITLINT_TRACE` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cached {
    /// No cache.
    Off,
    /// The whole result of an earlier run with the same inputs.
    WholeRun,
    /// Facts per file: (hits, misses).
    Facts(u64, u64),
}

/// Runs `check --format json` with `args` and `envs`; returns the report without its timing,
/// and what came from the cache.
fn run(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> (Value, Cached) {
    let mut cmd = auditlint();
    cmd.current_dir(dir)
        .env("AUDITLINT_TRACE", "1")
        .args(["check", "--format", "json", "--fail-on", "never"])
        .args(args);
    for (key, value) in envs {
        cmd.env(key, value);
    }
    let output = cmd.output().expect("run auditlint");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code() == Some(0),
        "exit {:?}; stderr:\n{stderr}",
        output.status.code()
    );
    let mut json: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    json["summary"]
        .as_object_mut()
        .expect("summary")
        .remove("elapsed_ms");
    let facts = stderr.lines().find_map(|line| {
        let rest = line.strip_prefix("auditlint: facts cache: ")?;
        let (hits, misses) = rest.split_once(" hits, ")?;
        Some(Cached::Facts(
            hits.parse().ok()?,
            misses.strip_suffix(" misses")?.parse().ok()?,
        ))
    });
    let whole = stderr
        .lines()
        .any(|line| line.starts_with("auditlint: whole-run cache: hit"));
    let cached = match (whole, facts) {
        (true, None) => Cached::WholeRun,
        (false, Some(facts)) => facts,
        (false, None) => Cached::Off,
        (true, Some(_)) => panic!("a whole-run hit reads no facts:\n{stderr}"),
    };
    (json, cached)
}

/// The misses of a run that read facts.
fn misses(cached: Cached) -> u64 {
    match cached {
        Cached::Facts(_, misses) => misses,
        other => panic!("expected a run that reads facts, got {other:?}"),
    }
}

/// The whole-run entries under `cache`.
fn run_entries(cache: &Path) -> Vec<PathBuf> {
    support::files_under(cache)
        .into_iter()
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("run-"))
        })
        .collect()
}

fn uncached(dir: &Path) -> Value {
    let (json, cached) = run(dir, &["--no-cache"], &[]);
    assert_eq!(cached, Cached::Off, "--no-cache reads no cache");
    json
}

fn rules(json: &Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| format!("{}:{}:{}", f["path"], f["line"], f["rule"]))
        .collect()
}

fn entries(cache: &Path) -> Vec<PathBuf> {
    support::files_under(cache)
        .into_iter()
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n != ".gitignore" && n != ".used" && !n.starts_with("run-"))
        })
        .collect()
}

#[test]
fn a_second_run_hits_and_reports_the_same() {
    let dir = project();
    let expected = uncached(dir.path());
    assert!(
        !dir.path().join(".auditlint_cache").exists(),
        "--no-cache writes nothing"
    );
    assert!(
        rules(&expected).len() >= 3,
        "the project has findings: {expected}"
    );
    // A later round read the held `caller.rs` again and found its swallow; nothing is an error.
    assert!(
        rules(&expected).iter().any(|r| r.contains("src/caller.rs")),
        "{expected}"
    );
    assert_eq!(expected["errors"], serde_json::json!([]), "{expected}");
    let (first, cached) = run(dir.path(), &[], &[]);
    assert_eq!(first, expected);
    let Cached::Facts(hits, misses) = cached else {
        panic!("{cached:?}")
    };
    assert_eq!(hits, 0);
    assert!(misses >= 4, "{misses}");
    let cache = dir.path().join(".auditlint_cache");
    assert_eq!(
        std::fs::read_to_string(cache.join(".gitignore")).unwrap(),
        "# auditlint's facts cache\n*\n"
    );
    let (second, cached) = run(dir.path(), &[], &[]);
    assert_eq!(second, expected);
    assert_eq!(cached, Cached::WholeRun);
    // The whole-run hit kept every file's facts: without its entry, a run reads them all.
    for entry in run_entries(&cache) {
        std::fs::remove_file(entry).unwrap();
    }
    let (third, cached) = run(dir.path(), &[], &[]);
    assert_eq!(third, expected);
    assert_eq!(cached, Cached::Facts(misses, 0));
}

/// The human report of a whole-run hit shows the same source lines as a run that parsed.
#[test]
fn a_whole_run_hit_prints_the_same_human_report() {
    let dir = project();
    let human = |args: &[&str]| {
        let output = auditlint()
            .current_dir(dir.path())
            .env("AUDITLINT_TRACE", "1")
            .args(["check", "--format", "human", "--fail-on", "never"])
            .args(args)
            .output()
            .expect("run auditlint");
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        // The summary line carries the run's time: compared up to it.
        let stdout: Vec<String> = stdout
            .lines()
            .map(|l| match l.split_once(" parsed, in ") {
                Some((kept, _)) => kept.to_string(),
                None => l.to_string(),
            })
            .collect();
        (stdout, stderr)
    };
    let (expected, _) = human(&["--no-cache"]);
    assert!(
        expected.iter().any(|l| l.contains("catch (err) {}")),
        "{expected:?}"
    );
    let (first, _) = human(&[]);
    let (second, stderr) = human(&[]);
    assert!(stderr.contains("whole-run cache: hit"), "{stderr}");
    assert_eq!(first, expected);
    assert_eq!(second, expected);
}

/// Every input of the analysis is in the whole-run key: a source the prefilter never passes, a
/// manifest, the date suppressions expire against, the checked paths.
#[test]
fn the_whole_run_entry_is_used_only_for_the_same_inputs() {
    let dir = project();
    let (first, cached) = run(dir.path(), &[], &[]);
    let all = misses(cached);
    assert_eq!(run(dir.path(), &[], &[]).1, Cached::WholeRun);
    // A file without audit code: its facts were never needed, but the run is not the same.
    std::fs::write(dir.path().join("src/util.ts"), "export const x = 1;\n").unwrap();
    let (json, cached) = run(dir.path(), &[], &[]);
    assert_eq!(cached, Cached::Facts(all, 0));
    assert_eq!(json, uncached(dir.path()));
    assert_eq!(
        json["summary"]["files_scanned"],
        first["summary"]["files_scanned"].as_u64().unwrap() + 1
    );
    // A manifest (imports resolve through it).
    std::fs::write(dir.path().join("package.json"), "{\"name\": \"app\"}\n").unwrap();
    let (json, cached) = run(dir.path(), &[], &[]);
    assert_eq!(cached, Cached::Facts(all, 0));
    assert_eq!(json, uncached(dir.path()));
    assert_eq!(run(dir.path(), &[], &[]).1, Cached::WholeRun);
    // Another date.
    let (json, cached) = run(dir.path(), &[], &[("AUDITLINT_TODAY", "2099-01-01")]);
    assert_eq!(cached, Cached::Facts(all, 0));
    assert_eq!(json, uncached(dir.path()));
    // The entry for these paths is the latest run's: today's again.
    assert_eq!(run(dir.path(), &[], &[]).1, Cached::Facts(all, 0));
    // Other paths checked: their own entry; the first one stays.
    let (json, cached) = run(dir.path(), &["src/purge.ts"], &[]);
    assert!(matches!(cached, Cached::Facts(_, 0)), "{cached:?}");
    assert_eq!(rules(&json).len(), 1, "{json}");
    assert_eq!(run(dir.path(), &["src/purge.ts"], &[]).1, Cached::WholeRun);
    assert_eq!(run(dir.path(), &[], &[]).1, Cached::WholeRun);
    // An inventory is never taken from the cache: it carries its own run's commit and date.
    let output = auditlint()
        .current_dir(dir.path())
        .env("AUDITLINT_TRACE", "1")
        .args(["inventory"])
        .output()
        .expect("run auditlint inventory");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("auditlint: facts cache: "), "{stderr}");
    assert!(!stderr.contains("whole-run cache"), "{stderr}");
}

#[test]
fn an_edited_file_misses_alone_and_its_new_facts_count() {
    let dir = project();
    let (before, cached) = run(dir.path(), &[], &[]);
    let misses = misses(cached);
    assert!(rules(&before).iter().any(|r| r.contains("purge.ts")));
    std::fs::write(
        dir.path().join("src/purge.ts"),
        "export async function purge(env: Env, user: string) {\n  try {\n    await env.DB.prepare(\"INSERT INTO staff_audit_logs (user_id) VALUES (?)\").bind(user).run();\n  } catch (err) {\n    console.error(\"audit insert failed\", err);\n  }\n}\n",
    )
    .unwrap();
    let (after, cached) = run(dir.path(), &[], &[]);
    assert_eq!(cached, Cached::Facts(misses - 1, 1));
    assert!(!rules(&after).iter().any(|r| r.contains("purge.ts")));
    assert_eq!(after, uncached(dir.path()));
}

#[test]
fn a_configuration_change_invalidates() {
    let dir = project();
    let (_, cached) = run(dir.path(), &[], &[]);
    let misses = misses(cached);
    std::fs::write(
        dir.path().join("auditlint.toml"),
        "[sinks]\nextend-tables = [\"tier_events\"]\n",
    )
    .unwrap();
    let (after, cached) = run(dir.path(), &[], &[]);
    assert_eq!(cached, Cached::Facts(0, misses));
    assert_eq!(after, uncached(dir.path()));
    let (_, cached) = run(dir.path(), &[], &[]);
    assert_eq!(cached, Cached::WholeRun);
}

#[test]
fn another_version_does_not_read_the_entries() {
    let dir = project();
    let (_, cached) = run(dir.path(), &[], &[]);
    let misses = misses(cached);
    let (json, cached) = run(
        dir.path(),
        &[],
        &[("AUDITLINT_CACHE_VERSION", "99.0.0-test")],
    );
    assert_eq!(cached, Cached::Facts(0, misses));
    assert_eq!(json, uncached(dir.path()));
    // The first version's entries are still there.
    let (_, cached) = run(dir.path(), &[], &[]);
    assert_eq!(cached, Cached::WholeRun);
}

#[test]
fn damaged_entries_are_recomputed() {
    let dir = project();
    let expected = uncached(dir.path());
    let (_, cached) = run(dir.path(), &[], &[]);
    let misses = misses(cached);
    let cache = dir.path().join(".auditlint_cache");
    let mut found = entries(&cache);
    assert_eq!(found.len() as u64, misses);
    // The whole-run entry too.
    let runs = run_entries(&cache);
    assert_eq!(runs.len(), 1, "{runs:?}");
    found.extend(runs);
    // Truncated, emptied, garbage, and one bit flipped in the payload.
    for (i, entry) in found.iter().enumerate() {
        let bytes = std::fs::read(entry).unwrap();
        let damaged = match i % 4 {
            0 => bytes[..bytes.len() / 2].to_vec(),
            1 => Vec::new(),
            2 => b"not an entry at all, just text".to_vec(),
            _ => {
                let mut flipped = bytes.clone();
                let last = flipped.len() - 1;
                flipped[last] ^= 1;
                flipped
            }
        };
        std::fs::write(entry, damaged).unwrap();
    }
    let (json, cached) = run(dir.path(), &[], &[]);
    assert_eq!(json, expected);
    assert_eq!(cached, Cached::Facts(0, misses));
    // Rewritten whole.
    let (json, cached) = run(dir.path(), &[], &[]);
    assert_eq!(json, expected);
    assert_eq!(cached, Cached::WholeRun);
    for entry in run_entries(&cache) {
        std::fs::remove_file(entry).unwrap();
    }
    let (json, cached) = run(dir.path(), &[], &[]);
    assert_eq!(json, expected);
    assert_eq!(cached, Cached::Facts(misses, 0));
}

#[test]
fn concurrent_runs_share_the_cache_safely() {
    let dir = project();
    let expected = uncached(dir.path());
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("auditlint"))
                .current_dir(dir.path())
                .args(["check", "--format", "json", "--fail-on", "never"])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("spawn auditlint")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("wait");
        assert_eq!(output.status.code(), Some(0));
        let mut json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        json["summary"]
            .as_object_mut()
            .unwrap()
            .remove("elapsed_ms");
        assert_eq!(json, expected);
    }
    let cache = dir.path().join(".auditlint_cache");
    assert!(
        entries(&cache)
            .iter()
            .all(|e| !e.to_string_lossy().ends_with(".tmp")),
        "no temporary file is left behind"
    );
    let (json, cached) = run(dir.path(), &[], &[]);
    assert_eq!(json, expected);
    assert!(
        matches!(cached, Cached::WholeRun | Cached::Facts(_, 0)),
        "{cached:?}"
    );
}

#[test]
fn cache_dir_puts_the_cache_elsewhere() {
    let dir = project();
    let elsewhere = tempfile::tempdir().unwrap();
    let cache = elsewhere.path().join("facts");
    let cache_arg = cache.to_string_lossy().to_string();
    let (first, cached) = run(dir.path(), &["--cache-dir", &cache_arg], &[]);
    misses(cached);
    assert!(!dir.path().join(".auditlint_cache").exists());
    assert!(cache.join(".gitignore").exists());
    let (second, cached) = run(dir.path(), &["--cache-dir", &cache_arg], &[]);
    assert_eq!(cached, Cached::WholeRun);
    assert_eq!(first, second);
}

#[test]
fn an_unwritable_cache_directory_is_no_error_but_is_said() {
    let dir = project();
    // A file where the cache directory would be: nothing can be created under it.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, "").unwrap();
    let cache_arg = blocker.join("cache").to_string_lossy().to_string();
    let (json, cached) = run(dir.path(), &["--cache-dir", &cache_arg], &[]);
    assert_eq!(cached, Cached::Off);
    assert_eq!(json, uncached(dir.path()));
    // The run is right and exits as usual, and the user hears why the next one is not faster.
    let output = auditlint()
        .current_dir(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--cache-dir",
            &cache_arg,
        ])
        .output()
        .expect("run auditlint");
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("auditlint: warning: the facts cache is off for this run: blocker/cache"),
        "{stderr}"
    );
}

/// The namespace directories under `cache`.
fn namespaces(cache: &Path) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(cache)
        .expect("read cache dir")
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.len() == 32)
        .collect();
    found.sort();
    found
}

#[test]
fn unused_entries_and_stale_namespaces_are_removed() {
    let dir = project();
    let cache = dir.path().join(".auditlint_cache");
    run(dir.path(), &[], &[]);
    let first = entries(&cache);
    assert!(first.len() >= 4, "{first:?}");
    // An edit: the file's old entry goes, its new one comes.
    std::fs::write(
        dir.path().join("src/purge.ts"),
        "export async function purge(env: Env) {\n  await env.DB.prepare(\"INSERT INTO staff_audit_logs (a) VALUES (1)\").run().catch(() => {});\n}\n",
    )
    .unwrap();
    run(dir.path(), &[], &[]);
    let second = entries(&cache);
    assert_eq!(second.len(), first.len(), "{first:?} -> {second:?}");
    assert_eq!(first.iter().filter(|e| !second.contains(e)).count(), 1);
    // A deleted file's entry goes too.
    std::fs::remove_file(dir.path().join("src/clean.ts")).unwrap();
    run(dir.path(), &[], &[]);
    assert_eq!(entries(&cache).len(), first.len() - 1);

    // Another build's namespace stays while it is fresh...
    run(
        dir.path(),
        &[],
        &[("AUDITLINT_CACHE_VERSION", "99.0.0-test")],
    );
    let (json, _) = run(dir.path(), &[], &[]);
    assert_eq!(namespaces(&cache).len(), 2);
    // ...and goes once no run has used it for the stale age; what is not a namespace stays.
    std::fs::create_dir_all(cache.join("not-a-namespace")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("precious"), "x").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), cache.join("0".repeat(32))).unwrap();
    let (after, _) = run(dir.path(), &[], &[("AUDITLINT_CACHE_STALE_SECS", "0")]);
    assert_eq!(after, json);
    assert_eq!(namespaces(&cache).len(), 1);
    assert!(cache.join("not-a-namespace").is_dir());
    assert!(outside.path().join("precious").exists());
    // The remaining namespace is this build's: a run hits.
    let (_, cached) = run(dir.path(), &[], &[]);
    assert!(
        matches!(cached, Cached::WholeRun | Cached::Facts(_, 0)),
        "{cached:?}"
    );
    assert_eq!(after, uncached(dir.path()));
}
