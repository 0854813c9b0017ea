//! The persistent facts cache through the binary: hits, misses after an edit, invalidation by
//! configuration and by version, recovery from damaged entries, concurrent runs — and always the
//! same report as a run without the cache.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::auditlint;

/// A small project: a swallowed audit insert, a wrapper called from another file, a clean
/// handler and a Rust swallow.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::write(root.join("auditlint.toml"), "").unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("src/purge.ts"),
        "export async function purge(env: Env, user: string) {\n  try {\n    await env.DB.prepare(\"INSERT INTO staff_audit_logs (user_id) VALUES (?)\").bind(user).run();\n  } catch (err) {}\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("src/audit.ts"),
        "export async function recordAudit(db: Db, row: Row) {\n  await db.from(\"audit_logs\").insert(row);\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("src/handler.ts"),
        "import { recordAudit } from \"./audit\";\nexport async function handle(db: Db, row: Row) {\n  recordAudit(db, row).catch(() => {});\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("src/clean.ts"),
        "export async function clean(env: Env) {\n  try {\n    await env.DB.prepare(\"INSERT INTO audit_log (a) VALUES (1)\").run();\n  } catch (err) {\n    console.warn(JSON.stringify({ event: \"audit_log_insert_failed\", error: String(err) }));\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("src/lib.rs"),
        "pub async fn record(pool: &PgPool) {\n    let _ = sqlx::query(\"INSERT INTO audit_log (a) VALUES (1)\").execute(pool).await;\n}\n",
    )
    .unwrap();
    dir
}

/// Runs `check --format json` with `args` and `envs`; returns the report without its timing,
/// and the (hits, misses) that `AUDITLINT_TRACE` prints.
fn run(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> (Value, Option<(u64, u64)>) {
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
    let counts = stderr.lines().find_map(|line| {
        let rest = line.strip_prefix("auditlint: facts cache: ")?;
        let (hits, misses) = rest.split_once(" hits, ")?;
        Some((
            hits.parse().ok()?,
            misses.strip_suffix(" misses")?.parse().ok()?,
        ))
    });
    (json, counts)
}

fn uncached(dir: &Path) -> Value {
    let (json, counts) = run(dir, &["--no-cache"], &[]);
    assert_eq!(counts, None, "--no-cache reads no cache");
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
                .is_some_and(|n| n != ".gitignore" && n != ".used")
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
    let (first, counts) = run(dir.path(), &[], &[]);
    assert_eq!(first, expected);
    let (hits, misses) = counts.expect("cache counts");
    assert_eq!(hits, 0);
    assert!(misses >= 4, "{misses}");
    let cache = dir.path().join(".auditlint_cache");
    assert_eq!(
        std::fs::read_to_string(cache.join(".gitignore")).unwrap(),
        "# auditlint's facts cache\n*\n"
    );
    let (second, counts) = run(dir.path(), &[], &[]);
    assert_eq!(second, expected);
    assert_eq!(counts, Some((misses, 0)));
}

#[test]
fn an_edited_file_misses_alone_and_its_new_facts_count() {
    let dir = project();
    let (before, counts) = run(dir.path(), &[], &[]);
    let (_, misses) = counts.unwrap();
    assert!(rules(&before).iter().any(|r| r.contains("purge.ts")));
    std::fs::write(
        dir.path().join("src/purge.ts"),
        "export async function purge(env: Env, user: string) {\n  try {\n    await env.DB.prepare(\"INSERT INTO staff_audit_logs (user_id) VALUES (?)\").bind(user).run();\n  } catch (err) {\n    console.error(\"audit insert failed\", err);\n  }\n}\n",
    )
    .unwrap();
    let (after, counts) = run(dir.path(), &[], &[]);
    assert_eq!(counts, Some((misses - 1, 1)));
    assert!(!rules(&after).iter().any(|r| r.contains("purge.ts")));
    assert_eq!(after, uncached(dir.path()));
}

#[test]
fn a_configuration_change_invalidates() {
    let dir = project();
    let (_, counts) = run(dir.path(), &[], &[]);
    let (_, misses) = counts.unwrap();
    std::fs::write(
        dir.path().join("auditlint.toml"),
        "[sinks]\nextend-tables = [\"tier_events\"]\n",
    )
    .unwrap();
    let (after, counts) = run(dir.path(), &[], &[]);
    assert_eq!(counts, Some((0, misses)));
    assert_eq!(after, uncached(dir.path()));
    let (_, counts) = run(dir.path(), &[], &[]);
    assert_eq!(counts, Some((misses, 0)));
}

#[test]
fn another_version_does_not_read_the_entries() {
    let dir = project();
    let (_, counts) = run(dir.path(), &[], &[]);
    let (_, misses) = counts.unwrap();
    let (json, counts) = run(
        dir.path(),
        &[],
        &[("AUDITLINT_CACHE_VERSION", "99.0.0-test")],
    );
    assert_eq!(counts, Some((0, misses)));
    assert_eq!(json, uncached(dir.path()));
    // The first version's entries are still there.
    let (_, counts) = run(dir.path(), &[], &[]);
    assert_eq!(counts, Some((misses, 0)));
}

#[test]
fn damaged_entries_are_recomputed() {
    let dir = project();
    let expected = uncached(dir.path());
    let (_, counts) = run(dir.path(), &[], &[]);
    let (_, misses) = counts.unwrap();
    let cache = dir.path().join(".auditlint_cache");
    let found = entries(&cache);
    assert_eq!(found.len() as u64, misses);
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
    let (json, counts) = run(dir.path(), &[], &[]);
    assert_eq!(json, expected);
    assert_eq!(counts, Some((0, misses)));
    // Rewritten whole.
    let (json, counts) = run(dir.path(), &[], &[]);
    assert_eq!(json, expected);
    assert_eq!(counts, Some((misses, 0)));
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
    let (json, counts) = run(dir.path(), &[], &[]);
    assert_eq!(json, expected);
    assert_eq!(counts.map(|(_, misses)| misses), Some(0));
}

#[test]
fn cache_dir_puts_the_cache_elsewhere() {
    let dir = project();
    let elsewhere = tempfile::tempdir().unwrap();
    let cache = elsewhere.path().join("facts");
    let cache_arg = cache.to_string_lossy().to_string();
    let (first, counts) = run(dir.path(), &["--cache-dir", &cache_arg], &[]);
    let (_, misses) = counts.unwrap();
    assert!(!dir.path().join(".auditlint_cache").exists());
    assert!(cache.join(".gitignore").exists());
    let (second, counts) = run(dir.path(), &["--cache-dir", &cache_arg], &[]);
    assert_eq!(counts, Some((misses, 0)));
    assert_eq!(first, second);
}

#[test]
fn an_unwritable_cache_directory_is_no_error_but_is_said() {
    let dir = project();
    // A file where the cache directory would be: nothing can be created under it.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, "").unwrap();
    let cache_arg = blocker.join("cache").to_string_lossy().to_string();
    let (json, counts) = run(dir.path(), &["--cache-dir", &cache_arg], &[]);
    assert_eq!(counts, None);
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
    let (_, counts) = run(dir.path(), &[], &[]);
    assert_eq!(counts.map(|(_, misses)| misses), Some(0));
    assert_eq!(after, uncached(dir.path()));
}
