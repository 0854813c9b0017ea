//! Path display: project-relative, `/`-separated, relative to the current directory.

use std::path::{Component, Path, PathBuf};

pub fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

pub fn slash(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    // A path the walk made (`src/a/b.ts`) is its own answer: no component to drop, nothing to
    // convert. Parsing components was a tenth of a cached run.
    if std::path::MAIN_SEPARATOR == '/'
        && let Some(text) = path.to_str()
        && is_plain(text)
    {
        return text.to_string();
    }
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

/// Relative, `/`-separated, with no empty, `.` or trailing component: what [`slash`] returns
/// for it is itself.
fn is_plain(text: &str) -> bool {
    !text.starts_with('/')
        && !text.ends_with('/')
        && text.split('/').all(|part| !part.is_empty() && part != ".")
        || text.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut for plain paths gives what joining the components gives, for every shape.
    #[test]
    fn slash_is_the_components_joined() {
        let by_components = |path: &str| {
            Path::new(path)
                .components()
                .filter_map(|c| match c {
                    Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
                    Component::ParentDir => Some("..".to_string()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("/")
        };
        for path in [
            "",
            ".",
            "a",
            "a/b.ts",
            "src/a/b.rs",
            "./a/b",
            "a//b",
            "a/./b",
            "a/b/",
            "/abs/x.go",
            "../up/x.py",
            "a/../b",
            ".hidden/x",
            "a/.b/c..d",
            "./",
            "//",
            "a/.",
        ] {
            assert_eq!(slash(path), by_components(path), "{path:?}");
        }
        assert!(is_plain("a/b.ts") && !is_plain("a//b") && !is_plain("./a") && !is_plain("a/"));
    }
}
