//! The persistent facts cache: one file's facts, keyed by its content, so a run over unchanged
//! code reads the sources and the cached facts instead of parsing.
//!
//! Layout: `DIR/<namespace>/<2 hex>/<30 hex>`, where DIR is `.auditlint_cache/` in the project
//! root (with a `.gitignore` of `*`) or `--cache-dir`; the namespace is a hash of the tool's
//! version and build and of the configuration; the entry name is a hash of the file's extension
//! (its grammar) and its bytes. So an edit, another configuration or another build of auditlint
//! never meets an old entry.
//!
//! Safety: an entry is written to a temporary file in the same directory and renamed into place
//! (atomic on POSIX and Windows), so concurrent runs (a pre-commit hook and an editor) see a whole
//! entry or none. An entry is trusted only when its magic, its key and the checksum of its
//! payload match and the payload decodes: anything else (truncated, corrupt, from another format)
//! is recomputed and rewritten, never an error and never a wrong result. Any I/O failure (a
//! read-only checkout, a full disk) just means no cache.
//!
//! Size: a run removes the entries of its namespace it did not use (old versions of edited
//! files, deleted files) and the namespaces no run has opened for [`STALE_NAMESPACE`] (other
//! builds, other configurations): the cache holds about one entry per file that matters. A run
//! that removes another's entry (two runs sharing a `--cache-dir`) costs that run a parse.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use auditlint_core::FileFacts;
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

/// The directory under the project root, unless `--cache-dir` says otherwise.
pub const DEFAULT_DIR: &str = ".auditlint_cache";

/// Overrides the tool version in the cache key (tests prove that a new version misses).
const VERSION_ENV: &str = "AUDITLINT_CACHE_VERSION";

/// The first bytes of every entry; bumped when the entry layout or the facts' format changes
/// (2: handlers carry a `site` for fixes, Rust files their `path_roots`).
const MAGIC: &[u8; 8] = b"ALFACTS2";
/// The first bytes of a whole run's entry (see [`FactsStore::get_run`]).
const RUN_MAGIC: &[u8; 8] = b"ALRUNS01";
/// A run entry for other checked paths that no run wrote for this long is removed.
const STALE_RUN: Duration = Duration::from_secs(24 * 60 * 60);
/// Magic, key (16), payload length (8), payload checksum (8).
const HEADER: usize = 8 + 16 + 8 + 8;

/// A namespace no run has opened for this long is removed (its `.used` file says when one did).
pub const STALE_NAMESPACE: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// A temporary file this old is a killed run's: removed.
const STALE_TEMPORARY: Duration = Duration::from_secs(60 * 60);
/// Overrides [`STALE_NAMESPACE`] in seconds (tests).
const STALE_ENV: &str = "AUDITLINT_CACHE_STALE_SECS";

/// Where facts are cached, and how often they were found.
pub struct FactsStore {
    dir: PathBuf,
    hits: AtomicU64,
    misses: AtomicU64,
    /// The first failure to write an entry (see [`FactsStore::write_problem`]).
    write_problem: Mutex<Option<String>>,
    /// The entries this run read or wrote: the others are removed by [`FactsStore::prune`].
    used: Mutex<HashSet<u128>>,
    /// The whole run came from the cache: no facts were read, and none is unused.
    run_hit: std::sync::atomic::AtomicBool,
}

/// The key of one file's entry.
#[derive(Clone, Copy)]
pub struct EntryKey(u128);

impl FactsStore {
    /// Opens (creating it if needed) the namespace for this build and configuration under `dir`.
    /// `None` when the directory cannot be created: the run goes on without a cache.
    pub fn open(dir: &Path, config_text: &str, check_tests: bool) -> std::io::Result<Self> {
        let version =
            std::env::var(VERSION_ENV).unwrap_or_else(|_| env!("CARGO_PKG_VERSION").to_string());
        let namespace = xxh3_128(
            format!(
                "{version}\0{}\0{check_tests}\0{config_text}",
                build_identity()
            )
            .as_bytes(),
        );
        std::fs::create_dir_all(dir)?;
        if !dir.join(".gitignore").exists() {
            // Never committed: the directory ignores itself.
            write_atomically(dir, ".gitignore", b"# auditlint's facts cache\n*\n")?;
        }
        let name = format!("{namespace:032x}");
        let namespace_dir = dir.join(&name);
        std::fs::create_dir_all(&namespace_dir)?;
        // When a run last opened it: what tells a stale namespace.
        write_atomically(&namespace_dir, ".used", b"")?;
        let store = FactsStore {
            dir: namespace_dir,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            write_problem: Mutex::new(None),
            used: Mutex::new(HashSet::new()),
            run_hit: std::sync::atomic::AtomicBool::new(false),
        };
        store.prune_namespaces(dir, &name);
        Ok(store)
    }

    /// Removes the namespaces under `dir` (other than `current`) that no run opened for
    /// [`STALE_NAMESPACE`]. Only directories named as namespaces are touched.
    fn prune_namespaces(&self, dir: &Path, current: &str) {
        let stale = std::env::var(STALE_ENV)
            .ok()
            .and_then(|s| s.parse().ok())
            .map_or(STALE_NAMESPACE, Duration::from_secs);
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            let is_namespace = name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit());
            // `file_type` does not follow symlinks: a link is never a namespace.
            if !is_namespace || name == current || !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let path = entry.path();
            let last_used = std::fs::metadata(path.join(".used"))
                .or_else(|_| entry.metadata())
                .and_then(|m| m.modified());
            if last_used.is_ok_and(|t| older_than(t, stale))
                && let Err(err) = std::fs::remove_dir_all(&path)
            {
                self.note_problem(format!("{}: {err}", path.display()));
            }
        }
    }

    /// Removes the entries of this namespace the run did not use, and temporary files of
    /// killed runs. Called once the run is over; returns how many files it removed.
    pub fn prune(&self) -> usize {
        if self.run_hit.load(Ordering::Relaxed) {
            return 0;
        }
        let used = match self.used.lock() {
            Ok(used) => used,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut removed = 0;
        let Ok(shards) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        for shard in shards.flatten() {
            let shard_name = shard.file_name();
            let Some(prefix) = shard_name.to_str().filter(|n| n.len() == 2) else {
                continue;
            };
            if !shard.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let Ok(entries) = std::fs::read_dir(shard.path()) else {
                continue;
            };
            for entry in entries.flatten() {
                let file_name = entry.file_name();
                let Some(name) = file_name.to_str() else {
                    continue;
                };
                let remove = if name.starts_with('.') && name.ends_with(".tmp") {
                    entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .is_ok_and(|t| older_than(t, STALE_TEMPORARY))
                } else {
                    u128::from_str_radix(&format!("{prefix}{name}"), 16)
                        .is_ok_and(|key| name.len() == 30 && !used.contains(&key))
                };
                if remove {
                    match std::fs::remove_file(entry.path()) {
                        Ok(()) => removed += 1,
                        Err(err) => self.note_problem(format!("{}: {err}", entry.path().display())),
                    }
                }
            }
        }
        removed
    }

    /// The first entry that could not be written, if one could not: the run is right, the
    /// next one slower, and the user should hear why.
    pub fn write_problem(&self) -> Option<String> {
        self.write_problem
            .lock()
            .ok()?
            .as_ref()
            .map(|err| format!("the facts cache could not be written: {err}"))
    }

    /// The key of a file with this path (for its extension) and text.
    pub fn key(path: &str, text: &str) -> EntryKey {
        let extension = path.rsplit_once('.').map_or("", |(_, e)| e);
        let mut bytes = Vec::with_capacity(extension.len() + 1 + text.len());
        bytes.extend_from_slice(extension.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(text.as_bytes());
        EntryKey(xxh3_128(&bytes))
    }

    fn entry_path(&self, key: EntryKey) -> (PathBuf, String) {
        let hex = format!("{:032x}", key.0);
        (self.dir.join(&hex[..2]), hex[2..].to_string())
    }

    /// The cached facts for `key`, if a sound entry exists.
    pub fn get(&self, key: EntryKey) -> Option<FileFacts> {
        let (dir, name) = self.entry_path(key);
        let found = std::fs::read(dir.join(name))
            .ok()
            .and_then(|bytes| decode(&bytes, MAGIC, key));
        match found {
            Some(_) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                self.mark_used(key);
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
            }
        };
        found
    }

    /// Stores `facts` under `key`. A failure costs the next run a recomputation, never a wrong
    /// result; the first one is kept for [`FactsStore::write_problem`].
    pub fn put(&self, key: EntryKey, facts: &FileFacts) {
        let Some(bytes) = self.encode(MAGIC, key, facts) else {
            return;
        };
        let (dir, name) = self.entry_path(key);
        self.mark_used(key);
        let written =
            std::fs::create_dir_all(&dir).and_then(|()| write_atomically(&dir, &name, &bytes));
        if let Err(err) = written {
            self.note_problem(format!("{}: {err}", dir.display()));
        }
    }

    /// The result of a whole run whose inputs hash to `key` (see [`RunKey`]), if a sound entry
    /// exists. One entry per set of checked paths (`scopes`), the latest run's.
    pub fn get_run<T: serde::de::DeserializeOwned>(&self, key: &RunKey) -> Option<T> {
        let bytes = std::fs::read(self.dir.join(run_entry_name(key.scopes))).ok()?;
        let run = decode(&bytes, RUN_MAGIC, EntryKey(key.inputs))?;
        self.run_hit.store(true, Ordering::Relaxed);
        Some(run)
    }

    /// Stores the result of a whole run, replacing the last one for the same checked paths,
    /// and removes run entries of other paths no run wrote for [`STALE_RUN`].
    pub fn put_run<T: serde::Serialize>(&self, key: &RunKey, run: &T) {
        let Some(bytes) = self.encode(RUN_MAGIC, EntryKey(key.inputs), run) else {
            return;
        };
        let name = run_entry_name(key.scopes);
        if let Err(err) = write_atomically(&self.dir, &name, &bytes) {
            self.note_problem(format!("{}: {err}", self.dir.display()));
        }
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let other = entry.file_name();
            if other
                .to_str()
                .is_some_and(|n| n.starts_with("run-") && n != name)
                && entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| older_than(t, STALE_RUN))
                && let Err(err) = std::fs::remove_file(entry.path())
            {
                self.note_problem(format!("{}: {err}", entry.path().display()));
            }
        }
    }

    /// Magic, key, payload length and checksum, then the payload.
    fn encode<T: serde::Serialize>(
        &self,
        magic: &[u8; 8],
        key: EntryKey,
        value: &T,
    ) -> Option<Vec<u8>> {
        let payload = match postcard::to_stdvec(value) {
            Ok(payload) => payload,
            Err(err) => {
                self.note_problem(err.to_string());
                return None;
            }
        };
        let mut bytes = Vec::with_capacity(HEADER + payload.len());
        bytes.extend_from_slice(magic);
        bytes.extend_from_slice(&key.0.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        Some(bytes)
    }

    fn mark_used(&self, key: EntryKey) {
        match self.used.lock() {
            Ok(mut used) => used.insert(key.0),
            Err(poisoned) => poisoned.into_inner().insert(key.0),
        };
    }

    fn note_problem(&self, problem: String) {
        if let Ok(mut first) = self.write_problem.lock()
            && first.is_none()
        {
            *first = Some(problem);
        }
    }

    /// (hits, misses) so far: `AUDITLINT_TRACE` prints them.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

fn older_than(time: SystemTime, age: Duration) -> bool {
    SystemTime::now()
        .duration_since(time)
        .is_ok_and(|elapsed| elapsed > age)
}

/// The value in an entry, when every check passes.
fn decode<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    magic: &[u8; 8],
    key: EntryKey,
) -> Option<T> {
    let header = bytes.get(..HEADER)?;
    if &header[..8] != magic || header[8..24] != key.0.to_le_bytes() {
        return None;
    }
    let length = u64::from_le_bytes(header[24..32].try_into().ok()?);
    let checksum = u64::from_le_bytes(header[32..40].try_into().ok()?);
    let payload = &bytes[HEADER..];
    if payload.len() as u64 != length || xxh3_64(payload) != checksum {
        return None;
    }
    postcard::from_bytes(payload).ok()
}

/// What a whole run's result depends on, hashed: `scopes` (the checked paths) names the entry,
/// `inputs` (everything else: every source's path and bytes, the manifests, the date
/// suppressions expire against, …) must match for the entry to be used. The namespace already
/// covers the tool's build and the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunKey {
    pub scopes: u64,
    pub inputs: u128,
}

fn run_entry_name(scopes: u64) -> String {
    format!("run-{scopes:016x}")
}

/// Writes `dir/name` through a temporary file renamed into place.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let temporary = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        drop(file);
        std::fs::rename(&temporary, dir.join(name))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// This executable's size and modification time: a rebuilt binary (whose front ends may extract
/// other facts under the same version number) never reads an older build's entries.
fn build_identity() -> String {
    std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{modified}", m.len())
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_round_trips_and_a_damaged_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = FactsStore::open(dir.path(), "", false).unwrap();
        let text = "export async function f() { await db.insert(auditLogs).values({}) }";
        let facts = auditlint_ts::extract(text, auditlint_core::facts::Language::TypeScript)
            .expect("parses");
        let key = FactsStore::key("a.ts", text);
        assert!(store.get(key).is_none());
        store.put(key, &facts);
        let read = store.get(key).expect("a hit");
        assert_eq!(format!("{read:?}"), format!("{facts:?}"));
        assert!(dir.path().join(".gitignore").exists());
        // Another extension is another grammar: another key.
        assert!(store.get(FactsStore::key("a.tsx", text)).is_none());

        let (entry_dir, name) = store.entry_path(key);
        let path = entry_dir.join(name);
        let bytes = std::fs::read(&path).unwrap();
        for cut in [0, 5, HEADER, bytes.len() - 1] {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            assert!(store.get(key).is_none(), "truncated at {cut}");
        }
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x55;
        std::fs::write(&path, &flipped).unwrap();
        assert!(store.get(key).is_none());
        assert_eq!(store.counts(), (1, 7));
    }
}
