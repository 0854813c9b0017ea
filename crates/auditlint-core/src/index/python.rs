//! Resolving Python callee paths: module functions, `from x import f` (through packages'
//! `__init__.py` re-exports and `import *`), `import x.y as z; z.f()`, relative imports
//! (`from .audit import record`, `from ..services import audit`), methods through `self.m()`,
//! classes (`AuditService().record`, `AuditService.record`) and bindings
//! (`self.audit = AuditService(..)`, `audit: AuditService`), and the unique-name fallback.
//!
//! A module's dotted name comes from its path: every dotted suffix of the path names it
//! (`src/app/services/audit.py` is `app.services.audit`, `services.audit` and `audit`), so
//! `src/` layouts, monorepo subfolders and packages named in `pyproject.toml` resolve without
//! reading any configuration; when several files share a name, the one sharing the longest
//! path prefix with the importing file wins.

use std::collections::HashMap;

use crate::facts::{FnId, Function, Imported};

use super::{FnRef, Index, MAX_RESOLVE_DEPTH, RoundNames};

/// How Python code can call `function`, a writer or producer, from another file: a top-level
/// function only by naming it (a call through a module, `audit.record(..)`, a re-export, `from
/// .audit import record as write`, or `import *` all spell the name), so its name is a word to look
/// for — not its module's name, which (`models`, `services`, `views`) would pull in most of a
/// Django project. A method only through its class (see `resolve_python`): a receiver named
/// after the class, or a file that names the class (a binding, an annotation, an import,
/// `AuditService(..).record(..)`), as a script's class method is reached.
pub(super) fn round_names(function: &Function, round: &mut RoundNames) {
    let Some(name) = &function.name else {
        return;
    };
    match &function.class {
        Some(class) => {
            round
                .methods
                .entry(name.clone())
                .or_default()
                .classes
                .insert(class.clone());
        }
        // A function nested in another is a local name there: no other file can call it by
        // name (imports and the unique-name fallback reach top-level functions only), so its
        // name pulls in no file that could (Flagsmith: an inner `decorator` parsed 17 more).
        None if function.parent.is_some() => {}
        None => {
            round.words.insert(name.clone());
        }
    }
}

/// `app/services/audit.py` → `[app, services, audit]`; `app/__init__.py` → `[app]`.
fn module_segments(path: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = path.split('/').collect();
    let Some(last) = parts.pop() else {
        return Vec::new();
    };
    let stem = last
        .strip_suffix(".pyi")
        .or_else(|| last.strip_suffix(".py"))
        .unwrap_or(last);
    if stem != "__init__" {
        parts.push(stem);
    }
    parts
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

impl Index<'_> {
    fn python_module_map(&self) -> &HashMap<String, Vec<u32>> {
        self.python_modules.get_or_init(|| {
            let mut map: HashMap<String, Vec<u32>> = HashMap::new();
            for (id, file) in self.files.iter().enumerate() {
                if super::Family::of(&file.path) != super::Family::Python {
                    continue;
                }
                let segments = module_segments(&file.path);
                for start in 0..segments.len() {
                    map.entry(segments[start..].join("."))
                        .or_default()
                        .push(id as u32);
                }
                // Its name as a `pyproject.toml` declares its package's directory.
                if let Some(declared) = self.resolver.python_declared_module(&file.path) {
                    let ids = map.entry(declared).or_default();
                    if !ids.contains(&(id as u32)) {
                        ids.push(id as u32);
                    }
                }
            }
            map
        })
    }

    /// The project file of module `specifier` imported from the file at `from`: relative
    /// (`.audit`, `..services`) or absolute (`app.services.audit`).
    pub(crate) fn python_module(&self, from: &str, specifier: &str) -> Option<u32> {
        let dots = specifier.chars().take_while(|c| *c == '.').count();
        if dots > 0 {
            let mut base: Vec<&str> = from.split('/').collect();
            base.pop();
            for _ in 1..dots {
                base.pop()?;
            }
            let rest = &specifier[dots..];
            let mut path = base.join("/");
            if !rest.is_empty() {
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(&rest.replace('.', "/"));
            }
            let prefix = if path.is_empty() {
                String::new()
            } else {
                format!("{path}/")
            };
            let candidates = [
                format!("{path}.py"),
                format!("{prefix}__init__.py"),
                format!("{path}.pyi"),
                format!("{prefix}__init__.pyi"),
            ];
            return candidates
                .iter()
                .find_map(|c| self.by_path.get(c.as_str()).copied());
        }
        let found = self.python_module_map().get(specifier)?;
        found.iter().copied().max_by_key(|id| {
            let path = &self.files[*id as usize].path;
            (
                common_prefix(path, from),
                std::cmp::Reverse(path.len()),
                // `.py` before `.pyi`
                path.ends_with(".py"),
            )
        })
    }

    pub(super) fn resolve_python(&self, file: u32, callee: &str) -> Option<FnRef> {
        let segments: Vec<&str> = callee.split('.').collect();
        match segments.as_slice() {
            [] => None,
            [name] => self.python_name(file, name, 0),
            ["self" | "cls", method] => self.unique_method(Some(file), method, None),
            ["self", field, method] => {
                if let Some(found) = self.resolve_on_binding(file, &format!("self.{field}"), method)
                {
                    return found;
                }
                self.unique_method(None, method, Some(field))
            }
            [.., receiver, method] => {
                if let Some(found) = self.python_qualified(file, &segments, 0) {
                    return Some(found);
                }
                if segments.len() == 2
                    && let Some(found) = self.resolve_on_binding(file, receiver, method)
                {
                    return found;
                }
                // `AuditService.record(..)`, `AuditService().record(..)`: a class's method, in
                // this file first.
                if let Some(found) = self.class_method_in(file, receiver, method) {
                    return Some(found);
                }
                if self.classes.contains(receiver)
                    && let Some(found) = self.class_method(receiver, method)
                {
                    return Some(found);
                }
                self.unique_method(None, method, Some(receiver))
            }
        }
    }

    /// `audit.record`, `app.audit.record`, `services.audit.record`: a function of a module
    /// reached through an import (of the module, or of its package), or a method of an
    /// imported class.
    fn python_qualified(&self, file: u32, segments: &[&str], depth: u32) -> Option<FnRef> {
        if depth > MAX_RESOLVE_DEPTH {
            return None;
        }
        let facts = &self.files[file as usize].facts;
        let from = &self.files[file as usize].path;
        let (method, path) = segments.split_last()?;
        for k in (1..=path.len()).rev() {
            let prefix = path[..k].join(".");
            let Some(import) = facts.imports.iter().find(|i| i.local == prefix) else {
                continue;
            };
            let rest = &path[k..];
            let module = match &import.imported {
                Imported::Named(name) => {
                    // `from app import audit` (a submodule), or `from .svc import AuditService`.
                    let submodule = join_module(&import.source, name, rest);
                    if let Some(target) = self.python_module(from, &submodule) {
                        return self.python_name(target, method, depth + 1);
                    }
                    if rest.is_empty() {
                        // A class imported by name: its method, in the module it comes from
                        // first.
                        let home = self.python_module(from, &import.source);
                        return home
                            .and_then(|home| self.class_method_in(home, name, method))
                            .or_else(|| self.class_method(name, method));
                    }
                    return None;
                }
                _ => {
                    let mut module = import.source.clone();
                    for part in rest {
                        module.push('.');
                        module.push_str(part);
                    }
                    module
                }
            };
            let target = self.python_module(from, &module)?;
            return self.python_name(target, method, depth + 1);
        }
        None
    }

    /// A module-level function `name` of `file`, or a name it imports (re-exports through
    /// `__init__.py`, `import *`); else the unique top-level Python function of that name.
    fn python_name(&self, file: u32, name: &str, depth: u32) -> Option<FnRef> {
        if depth > MAX_RESOLVE_DEPTH {
            return None;
        }
        let facts = &self.files[file as usize].facts;
        let from = &self.files[file as usize].path;
        let local = |top_level: bool| {
            facts.functions.iter().position(|f| {
                f.name.as_deref() == Some(name)
                    && f.class.is_none()
                    && (!top_level || f.parent.is_none())
            })
        };
        if let Some(func) = local(true).or_else(|| local(false)) {
            return Some(FnRef {
                file,
                func: func as FnId,
            });
        }
        if let Some(import) = facts.imports.iter().find(|i| i.local == name) {
            if let Imported::Named(imported) = &import.imported
                && let Some(target) = self.python_module(from, &import.source)
                && target != file
                && let Some(found) = self.python_name_exact(target, imported, depth + 1)
            {
                return Some(found);
            }
            return if depth == 0 {
                self.unique_python(name)
            } else {
                None
            };
        }
        for import in facts.imports.iter().filter(|i| i.local == "*") {
            if let Some(target) = self.python_module(from, &import.source)
                && target != file
                && let Some(found) = self.python_name_exact(target, name, depth + 1)
            {
                return Some(found);
            }
        }
        if depth > 0 {
            return None;
        }
        self.unique_python(name)
    }

    /// Like [`Self::python_name`] without the unique-name fallback (for re-export chains).
    fn python_name_exact(&self, file: u32, name: &str, depth: u32) -> Option<FnRef> {
        self.python_name(file, name, depth.max(1))
    }

    /// The unique top-level Python function of that name in the project.
    fn unique_python(&self, name: &str) -> Option<FnRef> {
        let candidates = self.functions_by_name.get(name)?;
        let mut top_level = candidates.iter().filter(|c| {
            let file = &self.files[c.file as usize];
            super::Family::of(&file.path) == super::Family::Python
                && file.facts.functions[c.func as usize].class.is_none()
                && file.facts.functions[c.func as usize].parent.is_none()
        });
        let first = top_level.next()?;
        top_level.next().is_none().then_some(*first)
    }

    /// The method `method` of class `class` defined in `file`.
    fn class_method_in(&self, file: u32, class: &str, method: &str) -> Option<FnRef> {
        let facts = &self.files[file as usize].facts;
        let func = facts
            .functions
            .iter()
            .position(|f| f.name.as_deref() == Some(method) && f.class.as_deref() == Some(class))?;
        Some(FnRef {
            file,
            func: func as FnId,
        })
    }

    /// The one method `method` of the classes named `class`.
    fn class_method(&self, class: &str, method: &str) -> Option<FnRef> {
        let candidates = self.functions_by_name.get(method)?;
        let mut matching = candidates.iter().filter(|c| {
            self.files[c.file as usize].facts.functions[c.func as usize]
                .class
                .as_deref()
                == Some(class)
        });
        let first = matching.next()?;
        matching.next().is_none().then_some(*first)
    }
}

/// `from app import audit` + `record` → `app.audit`; `from . import audit` → `.audit`.
fn join_module(source: &str, name: &str, rest: &[&str]) -> String {
    let mut module = source.to_string();
    if !module.ends_with('.') {
        module.push('.');
    }
    module.push_str(name);
    for part in rest {
        module.push('.');
        module.push_str(part);
    }
    module
}

#[cfg(test)]
mod tests {
    use super::module_segments;

    #[test]
    fn module_names_come_from_paths() {
        assert_eq!(module_segments("src/app/audit.py"), ["src", "app", "audit"]);
        assert_eq!(module_segments("app/__init__.py"), ["app"]);
        assert_eq!(module_segments("stubs/audit.pyi"), ["stubs", "audit"]);
    }
}
