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

/// Go code names a function or method it calls, so Go files look for a writer's name as a
/// word (`record(..)`, `audit.Record(..)`, `s.store.Record(..)`).
pub(super) fn round_names(function: &Function, round: &mut RoundNames) {
    round.words.extend(function.name.iter().cloned());
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Bindings followed, at most, from a receiver to its type (`a := b; b := NewC()`).
const MAX_TYPE_HOPS: u32 = 8;

impl Index<'_> {
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
