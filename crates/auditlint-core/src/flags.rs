//! Audit flags across files: which functions produce a per-item audit flag (or a failure value
//! their callers must read), and which calls drop it.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::facts::{Export, FnId, Imported, ResultUse, TypeDecl};
use crate::index::{FnRef, Handling, Index, Outcome};
use crate::span::Span;

/// What a producer's callers must look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Produces {
    /// A field from the flag vocabulary (`audit_logged`).
    Flag(String),
    /// The caught error of an audit write, returned instead of thrown.
    FailureValue,
}

/// A function whose result carries an audit flag or a failure value.
#[derive(Debug, Clone)]
pub struct Producer {
    pub produces: Produces,
    /// The flag's field (in a returned object or a declared type), or the `return` of the
    /// failure value: where a finding's secondary label points.
    pub at: (u32, Span),
    /// It passes on another producer's result (`return Promise.all(ids.map(evaluateTier))`).
    pub through: Option<FnRef>,
}

/// A call of a producer, and whether the flag is observed.
#[derive(Debug, Clone)]
pub struct FlagSite {
    pub file: u32,
    pub op: u32,
    pub producer: FnRef,
    pub observed: bool,
}

/// Re-export chains for types longer than this are not followed.
const MAX_TYPE_DEPTH: u32 = 16;

/// Declared types looked at, at most, to find whether one type carries a flag.
const MAX_TYPES_VISITED: usize = 64;

impl Index<'_> {
    /// Finds producers (direct, by declared type, failure values), then callers that pass a
    /// producer's result on by returning it, to a fixpoint; then judges every call.
    pub(crate) fn find_flags(&mut self) {
        let mut producers: HashMap<FnRef, Producer> = HashMap::new();
        for (file_id, file) in self.files.iter().enumerate() {
            let file_id = file_id as u32;
            for (func, function) in file.facts.functions.iter().enumerate() {
                if function.name.is_none() {
                    continue;
                }
                let key = FnRef {
                    file: file_id,
                    func: func as FnId,
                };
                // The last `return` is usually the main path (early returns come first).
                let direct = function
                    .returned_fields
                    .iter()
                    .rev()
                    .chain(&function.return_type_fields)
                    .find(|(name, _)| self.vocab.is_flag(name))
                    .map(|(name, span)| (name.clone(), (file_id, *span)));
                let declared = || {
                    function
                        .return_type_names
                        .iter()
                        .find_map(|type_name| self.type_flag(file_id, type_name))
                };
                if let Some((flag, at)) = direct.or_else(declared) {
                    producers.insert(
                        key,
                        Producer {
                            produces: Produces::Flag(flag),
                            at,
                            through: None,
                        },
                    );
                }
            }
        }
        // Failure values: a function that catches an audit write's error and returns it.
        for site in &self.sites {
            if site.outcome != Outcome::Handled(Handling::ReturnsError) {
                continue;
            }
            let Some(function) = self.enclosing_of(site.file, site.op) else {
                continue;
            };
            producers.entry(function).or_insert(Producer {
                produces: Produces::FailureValue,
                at: (
                    site.file,
                    self.files[site.file as usize].facts.ops[site.op as usize].span,
                ),
                through: None,
            });
        }
        // Callers that return a producer's result whole become producers for their callers.
        let mut calls: Vec<(u32, u32, FnRef)> = Vec::new();
        for (file_id, file) in self.files.iter().enumerate() {
            for (op_id, op) in file.facts.ops.iter().enumerate() {
                if let Some(target) = self.resolve_call(file_id as u32, &op.callee) {
                    calls.push((file_id as u32, op_id as u32, target));
                }
            }
        }
        loop {
            let mut changed = false;
            for &(file, op, target) in &calls {
                let Some(producer) = producers.get(&target) else {
                    continue;
                };
                let result = &self.files[file as usize].facts.ops[op as usize].result;
                if !result.returned {
                    continue;
                }
                let Some(caller) = self.enclosing_of(file, op) else {
                    continue;
                };
                if caller != target && !producers.contains_key(&caller) {
                    let inherited = Producer {
                        through: Some(target),
                        ..producer.clone()
                    };
                    producers.insert(caller, inherited);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let mut sites = Vec::new();
        for (file, op, target) in calls {
            let Some(producer) = producers.get(&target) else {
                continue;
            };
            let result = &self.files[file as usize].facts.ops[op as usize].result;
            sites.push(FlagSite {
                file,
                op,
                producer: target,
                observed: observes(result, &producer.produces),
            });
        }
        self.producers = producers;
        self.flag_sites = sites;
    }

    /// The named function enclosing an operation.
    fn enclosing_of(&self, file: u32, op: u32) -> Option<FnRef> {
        let func = self.files[file as usize].facts.ops[op as usize].enclosing?;
        self.files[file as usize].facts.functions[func as usize]
            .name
            .as_ref()
            .map(|_| FnRef { file, func })
    }

    /// The flag field of a declared type, by name as seen from `file`: its own, or one of the
    /// types it is made of (an alias's, a union's members, an interface's `extends`), each type
    /// looked at once and at most [`MAX_TYPES_VISITED`] of them.
    pub(crate) fn type_flag(&self, file: u32, name: &str) -> Option<(String, (u32, Span))> {
        let mut seen: HashSet<(u32, &str)> = HashSet::new();
        let mut queue: VecDeque<(u32, &str)> = VecDeque::from([(file, name)]);
        while let Some((file, name)) = queue.pop_front() {
            if seen.len() >= MAX_TYPES_VISITED {
                break;
            }
            let Some((type_file, decl)) = self.resolve_type(file, name, 0) else {
                continue;
            };
            if !seen.insert((type_file, decl.name.as_str())) {
                continue;
            }
            if let Some(at) = decl.fields.iter().position(|(n, _)| {
                self.vocab.is_flag(n)
                    || n.strip_prefix("json:")
                        .is_some_and(|j| self.vocab.is_flag(j))
            }) {
                // A serialised name (`json:audit_logged`) stands for the field before it.
                let (flag, span) = match decl.fields[at].0.starts_with("json:") {
                    true if at > 0 => &decl.fields[at - 1],
                    _ => &decl.fields[at],
                };
                return Some((flag.clone(), (type_file, *span)));
            }
            queue.extend(decl.names.iter().map(|n| (type_file, n.as_str())));
        }
        None
    }

    /// Declared types that carry a flag: a file that names one may declare a producer.
    pub(crate) fn flag_type_names(&self) -> HashSet<String> {
        let mut names = HashSet::new();
        for (file, facts) in self.files.iter().enumerate() {
            for decl in &facts.facts.types {
                if !names.contains(&decl.name) && self.type_flag(file as u32, &decl.name).is_some()
                {
                    names.insert(decl.name.clone());
                }
            }
        }
        names
    }

    /// A declared type by name as seen from `file`: local, imported, or unique in the project.
    fn resolve_type(&self, file: u32, name: &str, depth: u32) -> Option<(u32, &TypeDecl)> {
        if depth > MAX_TYPE_DEPTH {
            return None;
        }
        let facts = &self.files[file as usize].facts;
        if let Some(decl) = facts.types.iter().find(|t| t.name == name) {
            return Some((file, decl));
        }
        let path = &self.files[file as usize].path;
        if let Some(import) = facts.imports.iter().find(|i| i.local == name) {
            let imported = match &import.imported {
                Imported::Named(n) => n.as_str(),
                _ => name,
            };
            if let Some(target) = self.file_of(path, &import.source)
                && let Some(found) = self.resolve_type(target, imported, depth + 1)
            {
                return Some(found);
            }
        }
        for export in &facts.exports {
            match export {
                Export::From {
                    exported,
                    imported,
                    source,
                } if exported == name => {
                    let target = self.file_of(path, source)?;
                    return self.resolve_type(target, imported, depth + 1);
                }
                Export::All { source } => {
                    if let Some(target) = self.file_of(path, source)
                        && let Some(found) = self.resolve_type(target, name, depth + 1)
                    {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        if depth > 0 {
            return None;
        }
        // The unique-name fallback.
        match self.types_by_name.get(name)?.as_slice() {
            &[(file, at)] => Some((file, &self.files[file as usize].facts.types[at as usize])),
            _ => None,
        }
    }
}

/// Does this use of a producer's result observe what it produces?
fn observes(result: &ResultUse, produces: &Produces) -> bool {
    if result.escapes {
        return true;
    }
    match produces {
        Produces::Flag(flag) => result.fields.iter().any(|f| f == flag),
        // Any look at a failure value counts, testing it too; dropping it does not.
        Produces::FailureValue => !result.dropped && (result.tested || !result.fields.is_empty()),
    }
}
