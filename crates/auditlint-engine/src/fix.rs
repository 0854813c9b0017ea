//! `auditlint check --fix`: the findings' fixes written into the files.
//!
//! Each file is fixed once per run: its fixes are taken in order of position, a fix whose edits
//! touch an earlier one's is left for a later run, the file is written atomically (a temporary
//! file in the same directory with the original's permissions, then a rename), and only when
//! it still holds the text that was checked. The caller checks again to count what remains.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use auditlint_core::fix::{Applicability, Edit, Fix, apply, overlaps};
use auditlint_core::{FileError, Report};

/// What `--fix` did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FixRun {
    /// Fixes applied (one per finding).
    pub fixed: usize,
    /// Files written.
    pub files: Vec<String>,
    /// Unsafe fixes not applied because `--unsafe-fixes` was not given.
    pub unsafe_hidden: usize,
    /// Fixes left out because they touch a fix applied before them in the same file.
    pub overlapping: usize,
    /// Files that could not be fixed, and why.
    pub errors: Vec<FileError>,
}

/// Applies the fixes of the report's unsuppressed findings (`Unsafe` ones only when
/// `unsafe_fixes`). Paths are the report's: relative to the current directory.
pub fn apply_fixes(report: &Report, unsafe_fixes: bool) -> FixRun {
    let mut run = FixRun::default();
    let mut by_file: BTreeMap<&str, Vec<&Fix>> = BTreeMap::new();
    for finding in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        let Some(fix) = &finding.fix else { continue };
        if fix.applicability == Applicability::Unsafe && !unsafe_fixes {
            run.unsafe_hidden += 1;
            continue;
        }
        by_file.entry(&finding.path).or_default().push(fix);
    }
    for (path, mut fixes) in by_file {
        fixes.sort_by_key(|f| (f.extent().start, f.extent().end));
        let mut taken: Vec<&Fix> = Vec::new();
        for fix in fixes {
            if taken.iter().any(|t| overlaps(t, fix)) {
                run.overlapping += 1;
            } else {
                taken.push(fix);
            }
        }
        match fix_file(report, path, &taken) {
            Ok(()) => {
                run.fixed += taken.len();
                run.files.push(path.to_string());
            }
            Err(message) => run.errors.push(FileError {
                path: path.to_string(),
                message,
            }),
        }
    }
    run
}

fn fix_file(report: &Report, path: &str, fixes: &[&Fix]) -> Result<(), String> {
    let Some(checked) = report.sources.get(path) else {
        return Err("not fixed: its checked text is not in the report".to_string());
    };
    let on_disk = std::fs::read_to_string(path).map_err(|e| format!("not fixed: {e}"))?;
    if on_disk != *checked {
        return Err("not fixed: it changed while it was being checked".to_string());
    }
    let edits: Vec<&Edit> = fixes.iter().flat_map(|f| &f.edits).collect();
    let fixed = apply(checked, &edits)
        .ok_or_else(|| "not fixed: its fixes do not fit its text".to_string())?;
    write_atomically(Path::new(path), &fixed).map_err(|e| format!("not fixed: cannot write: {e}"))
}

/// Writes `text` to a temporary file beside `path` with `path`'s permissions, then renames it
/// over `path`: a reader sees the old file or the new one, never half of one.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let metadata = std::fs::symlink_metadata(path)?;
    if !metadata.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?;
    let temp = dir.join(format!(
        ".{}.auditlint-fix.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.set_permissions(metadata.permissions())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if let Err(err) = written {
        return Err(match std::fs::remove_file(&temp) {
            Ok(()) => err,
            Err(left) if left.kind() == std::io::ErrorKind::NotFound => err,
            Err(left) => std::io::Error::other(format!(
                "{err} (and the temporary file {} could not be removed: {left})",
                temp.display()
            )),
        });
    }
    Ok(())
}
