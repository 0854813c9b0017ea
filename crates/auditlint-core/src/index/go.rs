//! Resolving Go callee paths: functions of the same package (every `.go` file of a directory),
//! imported packages of the module (import path → directory through the nearest `go.mod`),
//! methods through the receiver's type (`s.Record` with `s *AuditStore`, a parameter, a local
//! `x := &AuditStore{}` or `x := NewAuditStore(..)`), through struct field types
//! (`s.store.Record` with `store AuditStore` declared in the struct), and an interface's one
//! implementation.
//!
//! Go files never resolve into other languages' files, nor they into Go's.

use crate::facts::{BindingSource, FnId, Function, Imported};

use super::{Family, FnRef, Index, RoundNames};

/// A package's name as importers write it: its directory's last segment (`v2` suffixes
/// skipped). A renamed import (`auditpkg "…/audit"`) is not seen.
fn package_of(dir: &str) -> &str {
    let mut parts = dir.rsplit('/');
    let last = parts.next().unwrap_or(dir);
    if last.len() >= 2 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit()) {
        return parts.next().unwrap_or(last);
    }
    last
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Bindings followed, at most, from a receiver to its type (`a := b; b := NewC()`).
const MAX_TYPE_HOPS: u32 = 8;

impl Index<'_> {
    /// How Go code can call `function`, a writer or producer: a package function by its name
    /// (`record(..)`, `audit.Record(..)`); a method as a member only from a file that names a
    /// type it can be resolved through — its class, a constructor returning it, a struct with a
    /// field of it, or a project interface declaring it (and a struct holding that) — or on a
    /// receiver named after its class (see [`super::Reach`]). Files naming the types, or the
    /// method outside a member expression (an interface's declaration of it), are parsed too:
    /// they make later calls resolvable.
    pub(super) fn go_round_names(&self, file: u32, function: &Function, round: &mut RoundNames) {
        let Some(name) = &function.name else {
            return;
        };
        let here = dir_of(&self.files[file as usize].path).to_string();
        let Some(class) = &function.class else {
            round.go_words.insert(name.clone());
            return;
        };
        let mut types: Vec<String> = vec![class.clone()];
        // Its package's files name the type unqualified; other packages as `pkg.Type`.
        let mut qualified: Vec<String> = vec![format!("{}.{class}", package_of(&here))];
        round.go_dirs.insert(here);
        // Interfaces of the project that declare the method, when it is the one Go method of
        // that name (a call through an interface resolves only to a unique implementation).
        let implementations = self.functions_by_name.get(name.as_str()).map_or(0, |c| {
            c.iter()
                .filter(|r| {
                    Family::of(&self.files[r.file as usize].path) == Family::Go
                        && self.function(**r).class.is_some()
                })
                .count()
        });
        for other in self.files.iter().filter(|_| implementations == 1) {
            if Family::of(&other.path) != Family::Go {
                continue;
            }
            for decl in &other.facts.types {
                if decl.fields.iter().any(|(f, _)| f == &format!("{name}()")) {
                    types.push(decl.name.clone());
                    let dir = dir_of(&other.path);
                    qualified.push(format!("{}.{}", package_of(dir), decl.name));
                    round.go_dirs.insert(dir.to_string());
                }
            }
        }
        let mut classes: std::collections::BTreeSet<String> = types.iter().cloned().collect();
        // Structs holding one of them in a field (`s.store.Record(..)`).
        for (field, ty) in &self.go_fields {
            if types.iter().any(|t| t == ty)
                && let Some((owner, _)) = field.split_once("::")
            {
                classes.insert(owner.to_string());
            }
        }
        // Constructors returning one (`store := audit.NewStore(db)`).
        for file in self.files {
            if Family::of(&file.path) != Family::Go {
                continue;
            }
            for f in &file.facts.functions {
                if f.class.is_none()
                    && let Some(constructor) = &f.name
                    && f.return_type_names.iter().any(|t| types.contains(t))
                {
                    classes.insert(constructor.clone());
                }
            }
        }
        // The types themselves, as other packages name them, are words: a file naming one may
        // declare a struct holding it (then its callers need that struct named), or a variable
        // of it; files of the packages declaring them are parsed whole (`go_dirs`).
        round.go_words.extend(qualified);
        let reach = round.go_methods.entry(name.clone()).or_default();
        // Outside member expressions, the name declares an interface's method or another
        // implementation: such a file may make the call resolvable.
        reach.by_name = true;
        reach.classes.extend(classes);
    }

    pub(super) fn resolve_go(&self, file: u32, callee: &str) -> Option<FnRef> {
        let segments: Vec<&str> = callee.split('.').collect();
        match segments.as_slice() {
            [name] => self.go_in_package(dir_of(&self.files[file as usize].path), name),
            [first, method] => {
                let facts = &self.files[file as usize].facts;
                if let Some(import) = facts.imports.iter().find(|i| i.local == *first)
                    && import.imported == Imported::Namespace
                {
                    let path = &self.files[file as usize].path;
                    let dir = self.resolver.go_package_dir(path, &import.source)?;
                    return self.go_in_package(&dir, method);
                }
                let ty = self.go_value_type(file, first, 0);
                self.go_method(file, ty.as_deref(), method, first)
            }
            [first, field, method] => {
                let owner = self.go_value_type(file, first, 0)?;
                let ty = self.go_fields.get(format!("{owner}::{field}").as_str())?;
                self.go_method(file, Some(ty), method, field)
            }
            _ => None,
        }
    }

    /// The top-level function `name` of the package in directory `dir`.
    fn go_in_package(&self, dir: &str, name: &str) -> Option<FnRef> {
        let candidates = self.functions_by_name.get(name)?;
        let mut matching = candidates.iter().filter(|c| {
            let path = &self.files[c.file as usize].path;
            Family::of(path) == Family::Go
                && dir_of(path) == dir
                && self.files[c.file as usize].facts.functions[c.func as usize]
                    .class
                    .is_none()
        });
        let first = *matching.next()?;
        matching.next().is_none().then_some(first)
    }

    /// The type a name holds in `file`: a typed binding, or the first project type a
    /// constructor it was assigned from returns (`NewAuditStore(..)` → `AuditStore`).
    fn go_value_type(&self, file: u32, name: &str, hops: u32) -> Option<String> {
        if hops > MAX_TYPE_HOPS {
            return None;
        }
        let facts = &self.files[file as usize].facts;
        for binding in facts.bindings.iter().filter(|b| b.name == name) {
            match &binding.source {
                BindingSource::Type(ty) => return Some(ty.clone()),
                BindingSource::Call(callee) => {
                    let Some(target) = self.resolve_call(file, callee) else {
                        continue;
                    };
                    let function =
                        &self.files[target.file as usize].facts.functions[target.func as usize];
                    if let Some(ty) = function
                        .return_type_names
                        .iter()
                        .find(|t| self.types_by_name.contains_key(t.as_str()))
                    {
                        return Some(ty.clone());
                    }
                }
                BindingSource::ThisModule => {}
            }
        }
        None
    }

    /// Method `method` on a value of type `ty` (`None`: unknown): the type's own method; for
    /// an interface of the project, its one implementation; for an unknown type, the one
    /// method the receiver's name names (`auditStore.Record` → `AuditStore.Record`).
    fn go_method(
        &self,
        file: u32,
        ty: Option<&str>,
        method: &str,
        receiver: &str,
    ) -> Option<FnRef> {
        let candidates = self.functions_by_name.get(method)?;
        let go_methods = || {
            candidates.iter().filter(|c| {
                Family::of(&self.files[c.file as usize].path) == Family::Go
                    && self.function(**c).class.is_some()
            })
        };
        let unique = |mut it: Box<dyn Iterator<Item = &FnRef> + '_>| {
            let first = *it.next()?;
            it.next().is_none().then_some(first)
        };
        if let Some(ty) = ty {
            let of_type =
                || go_methods().filter(|c| self.function(**c).class.as_deref() == Some(ty));
            if let Some(found) = unique(Box::new(of_type())) {
                return Some(found);
            }
            // Types of the same name in several packages: the caller's own package first.
            let here = dir_of(&self.files[file as usize].path);
            if let Some(found) = unique(Box::new(
                of_type().filter(|c| dir_of(&self.files[c.file as usize].path) == here),
            )) {
                return Some(found);
            }
            // An interface (or any project type without that method): its one implementation.
            if self.types_by_name.contains_key(ty) && !self.classes.contains(ty) {
                return unique(Box::new(go_methods()));
            }
            return None;
        }
        unique(Box::new(go_methods().filter(|c| {
            self.function(**c)
                .class
                .as_deref()
                .is_some_and(|class| super::receiver_names_class(receiver, class))
        })))
    }

    fn function(&self, at: FnRef) -> &Function {
        &self.files[at.file as usize].facts.functions[at.func as FnId as usize]
    }
}
