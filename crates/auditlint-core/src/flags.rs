//! Audit flags across files: which functions produce a per-item audit flag (or a failure value
//! their callers must read), and which calls drop it.

use std::collections::HashMap;

use crate::facts::{Export, FnId, Imported, ResultUse};
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
                let direct = function
                    .returned_fields
                    .iter()
                    .chain(&function.return_type_fields)
                    .find(|(name, _)| self.vocab.is_flag(name))
                    .map(|(name, span)| (name.clone(), (file_id, *span)));
                let declared = || {
                    function.return_type_names.iter().find_map(|type_name| {
                        let (type_file, fields) = self.resolve_type(file_id, type_name, 0)?;
                        fields
                            .iter()
                            .find(|(name, _)| self.vocab.is_flag(name))
                            .map(|(name, span)| (name.clone(), (type_file, *span)))
                    })
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

    /// A declared type by name as seen from `file`: local, imported, or unique in the project.
    fn resolve_type(&self, file: u32, name: &str, depth: u32) -> Option<(u32, &[(String, Span)])> {
        if depth > MAX_TYPE_DEPTH {
            return None;
        }
        let facts = &self.files[file as usize].facts;
        if let Some(decl) = facts.types.iter().find(|t| t.name == name) {
            return Some((file, &decl.fields));
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
        let mut found = self.files.iter().enumerate().flat_map(|(i, f)| {
            f.facts
                .types
                .iter()
                .filter(move |t| t.name == name)
                .map(move |t| (i as u32, t.fields.as_slice()))
        });
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }
}

/// Does this use of a producer's result observe what it produces?
fn observes(result: &ResultUse, produces: &Produces) -> bool {
    if result.escapes {
        return true;
    }
    match produces {
        Produces::Flag(flag) => result.fields.iter().any(|f| f == flag),
        // Any look at a failure value counts; dropping it does not.
        Produces::FailureValue => !result.dropped && !result.fields.is_empty(),
    }
}
