//! Resolving Rust callee paths: `use` declarations, the module tree (`crate::`, `super::`,
//! `self::`, child modules), `Self::`/`self.` methods, and the unique-name fallback.
//!
//! A file's module path comes from where it sits under its crate's `src/` directory
//! (`src/api/users.rs` → `crate::api::users`, `src/api/mod.rs` → `crate::api`, `src/lib.rs` and
//! `src/main.rs` → `crate`), as Cargo lays crates out; `#[path]` attributes and inline `mod`
//! blocks are not followed (the unique-name fallback covers most of them).

use crate::facts::{FnId, Function, Imported};

use super::{FnRef, Index, RoundNames, module_stem};

/// `pub use` chains longer than this are not followed.
const MAX_REEXPORT_DEPTH: u32 = 8;

pub(crate) fn is_rust(path: &str) -> bool {
    path.ends_with(".rs")
}

/// How Rust code can call `function`, a writer or producer in the file at `path`: Rust files
/// look for its name and its module's name as words.
pub(super) fn round_names(path: &str, function: &Function, round: &mut RoundNames) {
    round.words.extend(function.name.iter().cloned());
    if let Some(stem) = module_stem(path) {
        round.words.insert(stem.to_string());
    }
}

/// The crate's source root (`crates/x/src`) and the file's module path within it.
pub(crate) fn module_of(path: &str) -> (String, Vec<String>) {
    let parts: Vec<&str> = path.split('/').collect();
    let src = parts.iter().rposition(|p| *p == "src");
    let (root, rest): (Vec<&str>, Vec<&str>) = match src {
        Some(at) => (parts[..=at].to_vec(), parts[at + 1..].to_vec()),
        None => (
            parts[..parts.len() - 1].to_vec(),
            parts[parts.len() - 1..].to_vec(),
        ),
    };
    let mut module: Vec<String> = rest.iter().map(|s| (*s).to_string()).collect();
    if let Some(last) = module.pop() {
        let stem = last.trim_end_matches(".rs");
        let is_root = module.is_empty() && matches!(stem, "lib" | "main");
        if !is_root && stem != "mod" {
            module.push(stem.to_string());
        }
    }
    (root.join("/"), module)
}

impl Index<'_> {
    /// The parsed file of module `module` in the crate rooted at `root`.
    fn rust_module_file(&self, root: &str, module: &[String]) -> Option<u32> {
        let prefix = if root.is_empty() {
            String::new()
        } else {
            format!("{root}/")
        };
        let candidates: Vec<String> = if module.is_empty() {
            vec![format!("{prefix}lib.rs"), format!("{prefix}main.rs")]
        } else {
            let joined = module.join("/");
            vec![
                format!("{prefix}{joined}.rs"),
                format!("{prefix}{joined}/mod.rs"),
            ]
        };
        candidates
            .iter()
            .find_map(|c| self.by_path.get(c.as_str()).copied())
    }

    pub(super) fn resolve_rust(&self, file: u32, callee: &str) -> Option<FnRef> {
        if callee.contains('.') {
            let segments: Vec<&str> = callee.split('.').collect();
            let method = *segments.last()?;
            if let [receiver, _] = segments.as_slice()
                && *receiver != "self"
                && let Some(found) = self.resolve_on_binding(file, receiver, method)
            {
                return found;
            }
            // `self.repo.create(..)`: a field whose declared type is a project type.
            if let ["self", field, _] = segments.as_slice()
                && let Some(found) = self.resolve_on_binding(file, &format!("self.{field}"), method)
            {
                return found;
            }
            return match segments.as_slice() {
                ["self", _] => self.unique_method(Some(file), method, None),
                [.., receiver, _] => self.unique_method(None, method, Some(receiver)),
                _ => None,
            };
        }
        let segments: Vec<&str> = callee.split("::").collect();
        let name = *segments.last()?;
        if segments.len() == 1 {
            return self.rust_name(file, name, 0);
        }
        if segments[0] == "Self" && segments.len() == 2 {
            return self.unique_method(Some(file), name, None);
        }
        let path = &self.files[file as usize].path;
        for full in self.rust_expand(file, &segments) {
            if let Some(found) = self.rust_item(path, &full, 0) {
                return Some(found);
            }
        }
        // `AuditLog::create(..)`: an associated function of a type defined somewhere.
        let owner = segments[segments.len() - 2];
        if owner.starts_with(|c: char| c.is_ascii_uppercase()) {
            return self.rust_unique_method(name, owner);
        }
        // `audit::write_audit(..)` with `audit` declared somewhere we did not follow: the
        // unique function of that name in a module of that name.
        self.rust_unique_in_module(name, owner)
    }

    fn rust_name(&self, file: u32, name: &str, depth: u32) -> Option<FnRef> {
        let facts = &self.files[file as usize].facts;
        if let Some(func) = facts
            .functions
            .iter()
            .position(|f| f.name.as_deref() == Some(name) && f.class.is_none())
        {
            return Some(FnRef {
                file,
                func: func as FnId,
            });
        }
        let path = &self.files[file as usize].path;
        if depth < MAX_REEXPORT_DEPTH {
            if let Some(import) = facts.imports.iter().find(|i| i.local == name) {
                let Imported::Named(imported) = &import.imported else {
                    return None;
                };
                let mut segments: Vec<&str> = import
                    .source
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .collect();
                segments.push(imported);
                for full in self.rust_expand(file, &segments) {
                    if let Some(found) = self.rust_item(path, &full, depth + 1) {
                        return Some(found);
                    }
                }
                return self.rust_unique_exported(imported);
            }
            for import in facts.imports.iter().filter(|i| i.local == "*") {
                let segments: Vec<&str> = import
                    .source
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .collect();
                for mut full in self.rust_expand(file, &segments) {
                    full.push(name.to_string());
                    if let Some(found) = self.rust_item(path, &full, depth + 1) {
                        return Some(found);
                    }
                }
            }
        }
        self.rust_unique_exported(name)
    }

    /// Absolute module paths (item last) that a path written in `file` may mean.
    fn rust_expand(&self, file: u32, segments: &[&str]) -> Vec<Vec<String>> {
        let path = &self.files[file as usize].path;
        let (_, module) = module_of(path);
        let owned = |s: &[&str]| s.iter().map(|x| (*x).to_string()).collect::<Vec<String>>();
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        match *first {
            "crate" => vec![owned(&segments[1..])],
            "self" => {
                let mut full = module.clone();
                full.extend(owned(&segments[1..]));
                vec![full]
            }
            "super" => {
                let mut base = module.clone();
                let mut rest = segments;
                while rest.first() == Some(&"super") {
                    base.pop();
                    rest = &rest[1..];
                }
                base.extend(owned(rest));
                vec![base]
            }
            _ => {
                let facts = &self.files[file as usize].facts;
                if segments.len() > 1
                    && let Some(import) = facts.imports.iter().find(|i| i.local == *first)
                    && let Imported::Named(imported) = &import.imported
                {
                    let mut expanded: Vec<&str> = import
                        .source
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .collect();
                    expanded.push(imported);
                    expanded.extend(&segments[1..]);
                    if expanded
                        .first()
                        .is_some_and(|f| matches!(*f, "crate" | "self" | "super"))
                    {
                        return self.rust_expand(file, &expanded);
                    }
                    // `use other_crate::x` or a 2015-style path: relative to the crate root.
                    return vec![owned(&expanded), owned(&expanded[1..])];
                }
                // A child module of this one, or (2015 paths, `main.rs` siblings) of the root.
                let mut child = module.clone();
                child.extend(owned(segments));
                vec![child, owned(segments)]
            }
        }
    }

    /// The function `full` names (`[audit, write_audit]`), seen from the crate of `from`.
    fn rust_item(&self, from: &str, full: &[String], depth: u32) -> Option<FnRef> {
        let (item, module) = full.split_last()?;
        let (root, _) = module_of(from);
        if let Some(target) = self.rust_module_file(&root, module) {
            let facts = &self.files[target as usize].facts;
            if let Some(func) = facts
                .functions
                .iter()
                .position(|f| f.name.as_deref() == Some(item.as_str()) && f.class.is_none())
            {
                return Some(FnRef {
                    file: target,
                    func: func as FnId,
                });
            }
            // `pub use inner::item;` in that module.
            if depth < MAX_REEXPORT_DEPTH && facts.imports.iter().any(|i| i.local == *item) {
                return self.rust_name(target, item, depth + 1);
            }
        }
        // `module::Type::method`.
        if let Some((owner, module)) = module.split_last()
            && let Some(target) = self.rust_module_file(&root, module)
        {
            let facts = &self.files[target as usize].facts;
            if let Some(func) = facts.functions.iter().position(|f| {
                f.name.as_deref() == Some(item.as_str())
                    && f.class.as_deref() == Some(owner.as_str())
            }) {
                return Some(FnRef {
                    file: target,
                    func: func as FnId,
                });
            }
        }
        None
    }

    /// The one Rust top-level function of this name in the project.
    fn rust_unique_exported(&self, name: &str) -> Option<FnRef> {
        let candidates = self.functions_by_name.get(name)?;
        let mut matching = candidates.iter().filter(|c| {
            is_rust(&self.files[c.file as usize].path)
                && self.files[c.file as usize].facts.functions[c.func as usize]
                    .class
                    .is_none()
        });
        let first = matching.next()?;
        matching.next().is_none().then_some(*first)
    }

    /// The one Rust function of this name in a module of this name.
    fn rust_unique_in_module(&self, name: &str, module: &str) -> Option<FnRef> {
        let candidates = self.functions_by_name.get(name)?;
        let mut matching = candidates.iter().filter(|c| {
            let path = &self.files[c.file as usize].path;
            is_rust(path)
                && module_of(path).1.last().is_some_and(|m| m == module)
                && self.files[c.file as usize].facts.functions[c.func as usize]
                    .class
                    .is_none()
        });
        let first = matching.next()?;
        matching.next().is_none().then_some(*first)
    }

    /// The one Rust method of this name on a type of this name.
    fn rust_unique_method(&self, method: &str, owner: &str) -> Option<FnRef> {
        let candidates = self.functions_by_name.get(method)?;
        let mut matching = candidates.iter().filter(|c| {
            is_rust(&self.files[c.file as usize].path)
                && self.files[c.file as usize].facts.functions[c.func as usize]
                    .class
                    .as_deref()
                    == Some(owner)
        });
        let first = matching.next()?;
        matching.next().is_none().then_some(*first)
    }
}

#[cfg(test)]
mod tests {
    use super::module_of;

    #[test]
    fn module_paths_follow_the_cargo_layout() {
        let m = |p: &str| module_of(p);
        assert_eq!(m("src/lib.rs"), ("src".into(), vec![]));
        assert_eq!(m("crates/x/src/main.rs"), ("crates/x/src".into(), vec![]));
        assert_eq!(m("src/audit.rs"), ("src".into(), vec!["audit".to_string()]));
        assert_eq!(m("src/api/mod.rs"), ("src".into(), vec!["api".to_string()]));
        assert_eq!(
            m("src/api/users.rs"),
            ("src".into(), vec!["api".to_string(), "users".to_string()])
        );
        assert_eq!(m("tool.rs"), (String::new(), vec!["tool".to_string()]));
    }
}
