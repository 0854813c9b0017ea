//! Reading, applying and writing baseline files (the model is `auditlint_core::baseline`).
//!
//! A missing, unreadable or corrupt baseline is an error that names the file: treating it as
//! empty would report every old finding at once, or worse, record nothing on update.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::Path;

use auditlint_core::Report;
use auditlint_core::baseline::{Baseline, BaselineEntry};

use crate::EngineError;

/// What a run does with a baseline.
#[derive(Debug, Clone, Default)]
pub enum BaselineMode {
    #[default]
    Off,
    /// Put today's unsuppressed findings in `Report::baseline` (`auditlint baseline FILE`).
    Record,
    /// Drop findings the baseline holds; `Report::baseline` gets the entries that still occur
    /// (and those outside the checked paths): the ratchet `--update-baseline` writes.
    Apply(Baseline),
}

/// Reads and parses a baseline file.
pub fn load(path: &Path) -> Result<Baseline, EngineError> {
    let shown = path.display().to_string();
    let text = crate::project::read_regular(path).map_err(|err| EngineError::Io {
        path: shown.clone(),
        message: format!("cannot read the baseline: {err}"),
    })?;
    Baseline::parse(&text).map_err(|err| EngineError::Io {
        path: shown,
        message: format!("{err}; fix or regenerate it with `auditlint baseline`"),
    })
}

/// Writes a baseline file atomically: a temporary file in the same directory, then a rename,
/// so a reader never sees half a file.
pub fn save(path: &Path, baseline: &Baseline) -> Result<(), EngineError> {
    let io = |err: std::io::Error| EngineError::Io {
        path: path.display().to_string(),
        message: format!("cannot write the baseline: {err}"),
    };
    let dir_of = |path: &Path| match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    // A symlinked baseline is written through: the link stays, its target gets the new text.
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let link = std::fs::read_link(path).map_err(io)?;
            dir_of(path).join(link)
        }
        _ => path.to_path_buf(),
    };
    let path = target.as_path();
    let name = path
        .file_name()
        .ok_or_else(|| io(std::io::Error::other("not a file name")))?;
    let dir = dir_of(path);
    remove_stale_temps(&dir, &name.to_string_lossy());
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = std::fs::File::create(&temp).and_then(|mut file| {
        file.write_all(baseline.render().as_bytes())?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temp, path));
    if let Err(err) = renamed {
        let _ = std::fs::remove_file(&temp);
        return Err(io(err));
    }
    Ok(())
}

/// Temporary files an earlier write of `name` left behind when it was killed (`.NAME.PID.tmp`
/// whose process is gone): removed, so an interrupted `--update-baseline` leaves no litter.
fn remove_stale_temps(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        let Some(pid) = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Applies `mode` to a report whose paths are still project-relative.
pub(crate) fn apply(
    report: &mut Report,
    mode: &BaselineMode,
    scopes: &[String],
    errors: &[auditlint_core::FileError],
) {
    let entry = |f: &auditlint_core::Finding| BaselineEntry {
        path: f.path.clone(),
        rule: f.rule.to_string(),
        fingerprint: f.fingerprint.clone(),
        message: f.message.clone(),
    };
    match mode {
        BaselineMode::Off => {}
        BaselineMode::Record => {
            let entries = report
                .findings
                .iter()
                .filter(|f| f.suppressed.is_none())
                .map(entry)
                .collect();
            report.baseline = Some(Baseline::new(entries));
        }
        BaselineMode::Apply(baseline) => {
            let known: HashSet<&str> = baseline
                .findings
                .iter()
                .map(|e| e.fingerprint.as_str())
                .collect();
            let mut seen: HashSet<String> = HashSet::new();
            let before = report.findings.len();
            report.findings.retain(|f| {
                if f.suppressed.is_none() && known.contains(f.fingerprint.as_str()) {
                    seen.insert(f.fingerprint.clone());
                    false
                } else {
                    true
                }
            });
            let errored: HashSet<&str> = errors.iter().map(|e| e.path.as_str()).collect();
            // The ratchet: keep what still occurs, and what this run could not see (outside
            // the checked paths, or in a file that could not be checked); never add.
            let kept = baseline
                .findings
                .iter()
                .filter(|e| {
                    seen.contains(&e.fingerprint)
                        || !crate::in_scope(&e.path, scopes)
                        || errored.contains(e.path.as_str())
                })
                .cloned()
                .collect();
            report.baseline = Some(Baseline::new(kept));
            report.summary.baselined = Some(before - report.findings.len());
        }
    }
}
