//! Path display: project-relative, `/`-separated, relative to the current directory.

use std::path::{Component, Path, PathBuf};

pub fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

pub fn slash(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    let mut out = String::with_capacity(path.as_os_str().len());
    for component in path.components() {
        let part = match component {
            Component::Normal(p) => p.to_string_lossy(),
            Component::ParentDir => "..".into(),
            _ => continue,
        };
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(&part);
    }
    out
}

/// A command-line argument as the user wrote it, with `/`: an absolute one keeps its leading
/// `/` (it may name nothing, so it is not made relative to anything).
pub fn as_given(path: &Path) -> String {
    let parts = slash(path);
    if path.has_root() {
        format!("/{parts}")
    } else if parts.is_empty() {
        ".".to_string()
    } else {
        parts
    }
}

/// `path` relative to `base` (both absolute), with `..` where needed.
pub fn display(path: &Path, base: &Path) -> String {
    let path_parts: Vec<Component<'_>> = path.components().collect();
    let base_parts: Vec<Component<'_>> = base.components().collect();
    let common = path_parts
        .iter()
        .zip(&base_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out: Vec<String> = vec!["..".to_string(); base_parts.len() - common];
    out.extend(
        path_parts[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}
