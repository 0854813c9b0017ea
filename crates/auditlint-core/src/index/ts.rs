//! Resolving TypeScript/JavaScript callee paths: local functions, ESM and CommonJS imports
//! through re-exports and barrels (module specifiers resolved by [`crate::resolve::Resolver`]),
//! namespace imports, `this.` methods, bindings, and the unique-name fallback, which never
//! crosses between browser and server code.

use crate::facts::{Export, FnId, Function, Imported};

use super::{
    FnRef, Index, MAX_RESOLVE_DEPTH, ModuleReach, ProjectFile, RoundNames, last_segment,
    module_stem, receiver_names_class,
};

impl Index<'_> {
    /// How a script can call `function`, a writer or producer of `file` (see [`RoundNames`]):
    /// by name, as a method of its class or factory, or through its module.
    pub(super) fn script_round_names(
        &self,
        file: &ProjectFile,
        function: &Function,
        round: &mut RoundNames,
    ) {
        let Some(name) = &function.name else {
            return;
        };
        let reach = round.methods.entry(name.clone()).or_default();
        // Only a function a plain call reaches is looked for by its name alone. A class's method,
        // or a function assigned to a member (`req.audit = ..`), is called on a receiver named
        // like its class or object (`req.audit(..)`); an object key's, through its module.
        reach.by_name |= function.callable_by_name();
        let classes = &mut reach.classes;
        classes.extend(function.class.iter().cloned());
        classes.extend(
            function
                .member_of
                .as_deref()
                .map(|o| last_segment(o).to_string()),
        );
        classes.extend(function.implements.iter().cloned());
        // A function defined inside a factory is reached as a method of what the factory
        // returns (`const audit = createAuditLogger(); audit.logUpdate()`): the factory's
        // name stands for its class.
        let mut top = function;
        let mut hops = 0;
        while let Some(parent) = top
            .parent
            .and_then(|p| file.facts.functions.get(p as usize))
            && hops < 64
        {
            classes.extend(parent.name.iter().cloned());
            top = parent;
            hops += 1;
        }
        let Some(stem) = module_stem(&file.path) else {
            return;
        };
        // `import record from "./audit"` does not repeat the function's name; CommonJS
        // exports we do not record may be default ones too.
        let top_name = top.name.as_deref();
        let default_export = top_name == Some("default")
            || file.facts.exports.is_empty()
            || file.facts.exports.iter().any(|e| {
                matches!(e, Export::Local { exported, local }
                    if exported == "default" && Some(local.as_str()) == top_name)
            });
        let reach = if default_export {
            ModuleReach::Default
        } else {
            ModuleReach::Namespace
        };
        let known = round.modules.entry(stem.to_string()).or_insert(reach);
        if reach == ModuleReach::Default {
            *known = reach;
        }
    }

    /// Resolves a dotted callee path in a TypeScript/JavaScript file: local functions, imports
    /// (ESM and CommonJS, through re-exports and barrels), `this.` methods, bindings, and the
    /// unique-name fallback.
    pub(super) fn resolve_script(&self, file: u32, callee: &str) -> Option<FnRef> {
        let segments: Vec<&str> = callee.split(['.']).collect();
        let callee_name = *segments.last()?;
        match segments.as_slice() {
            [name] => self.resolve_name(file, name, 0),
            ["this", method] => self.unique_method(Some(file), method, None),
            [.., receiver, method] => {
                let facts = &self.files[file as usize].facts;
                if segments.len() == 2
                    && let Some(import) = facts.imports.iter().find(|i| i.local == *receiver)
                    && import.imported == Imported::Namespace
                {
                    let target = self
                        .resolver
                        .resolve(&self.files[file as usize].path, &import.source)?;
                    let target = *self.by_path.get(target.as_str())?;
                    // `module.exports = auditLogger` (an object literal of functions), which
                    // exports no names we record: the module's own function of that name.
                    return self
                        .resolve_export(target, method, 0)
                        .or_else(|| self.unique_in_file(target, method));
                }
                if segments.len() == 2
                    && let Some(found) = self.resolve_on_binding(file, receiver, method)
                {
                    return found;
                }
                self.unique_method(None, callee_name, Some(receiver))
            }
            [] => None,
        }
    }

    fn resolve_name(&self, file: u32, name: &str, depth: u32) -> Option<FnRef> {
        let facts = &self.files[file as usize].facts;
        if let Some(func) = facts
            .functions
            .iter()
            .position(|f| f.name.as_deref() == Some(name) && f.callable_by_name())
        {
            return Some(FnRef {
                file,
                func: func as FnId,
            });
        }
        if let Some(import) = facts.imports.iter().find(|i| i.local == name) {
            let from = &self.files[file as usize].path;
            let resolved = self
                .resolver
                .resolve(from, &import.source)
                .and_then(|target| self.by_path.get(target.as_str()).copied())
                .and_then(|target| match &import.imported {
                    // CommonJS (`exports.log = log`, `module.exports = { log }`) records no
                    // export names: the module's own function of that name.
                    Imported::Named(imported) => self
                        .resolve_export(target, imported, depth + 1)
                        .or_else(|| self.unique_in_file(target, imported)),
                    Imported::Default => self.resolve_export(target, "default", depth + 1),
                    Imported::Namespace => None,
                });
            if resolved.is_some() {
                return resolved;
            }
            let imported = match &import.imported {
                Imported::Named(n) => n.as_str(),
                _ => name,
            };
            return self.unique_exported(file, imported);
        }
        self.unique_exported(file, name)
    }

    fn resolve_export(&self, file: u32, exported: &str, depth: u32) -> Option<FnRef> {
        if depth > MAX_RESOLVE_DEPTH {
            return None;
        }
        let facts = &self.files[file as usize].facts;
        let path = &self.files[file as usize].path;
        for export in &facts.exports {
            match export {
                Export::Local { exported: e, local } if e == exported => {
                    return self.resolve_name(file, local, depth + 1);
                }
                Export::From {
                    exported: e,
                    imported,
                    source,
                } if e == exported => {
                    let target = self.resolver.resolve(path, source)?;
                    let target = *self.by_path.get(target.as_str())?;
                    return self.resolve_export(target, imported, depth + 1);
                }
                _ => {}
            }
        }
        if exported == "default" {
            return None;
        }
        facts
            .exports
            .iter()
            .find_map(|export| {
                let Export::All { source } = export else {
                    return None;
                };
                let target = self.resolver.resolve(path, source)?;
                let target = *self.by_path.get(target.as_str())?;
                self.resolve_export(target, exported, depth + 1)
            })
            // CommonJS assigns functions to export names we do not always record
            // (`module.exports.record = async function (..) {..}`): the module's own function.
            .or_else(|| self.unique_in_file(file, exported))
    }

    /// The unique-name fallback: exactly one top-level function of that name in the project.
    ///
    /// It never crosses between browser code and server code: a React component's `save(..)`
    /// is not the server's `save`, unless imports connect them.
    fn unique_exported(&self, from: u32, name: &str) -> Option<FnRef> {
        let candidates = self.functions_by_name.get(name)?;
        let side = self.file_kinds[from as usize].1;
        let mut top_level = candidates.iter().filter(|c| {
            let function = &self.files[c.file as usize].facts.functions[c.func as usize];
            self.file_kinds[c.file as usize] == (super::Family::Script, side)
                && function.callable_by_name()
        });
        let first = top_level.next()?;
        top_level.next().is_none().then_some(*first)
    }

    /// `req.audit(..)`: the functions scripts assign to a member `audit` of an object named like
    /// the receiver (`req.audit = async (..) => ..`, in middleware), on the same side (browser
    /// or server). The call may reach any of them: which one is decided at run time.
    pub(super) fn member_assigned(&self, file: u32, callee: &str) -> Vec<FnRef> {
        let Some((receiver, method)) = callee.rsplit_once('.') else {
            return Vec::new();
        };
        let receiver = last_segment(receiver);
        if matches!(receiver, "this" | "exports")
            || self.file_kinds[file as usize].0 != super::Family::Script
            || super::has_call_or_index(callee)
        {
            return Vec::new();
        }
        let Some(candidates) = self.functions_by_name.get(method) else {
            return Vec::new();
        };
        let side = self.file_kinds[file as usize];
        candidates
            .iter()
            .filter(|c| {
                let function = &self.files[c.file as usize].facts.functions[c.func as usize];
                self.file_kinds[c.file as usize] == side
                    && function
                        .member_of
                        .as_deref()
                        .is_some_and(|object| receiver_names_class(receiver, last_segment(object)))
            })
            .copied()
            .collect()
    }
}

/// Browser code: a JSX file, or a file under a folder that only front ends have. What runs
/// where is not in the syntax; these are the layouts React, Vue and Next.js projects use.
pub(super) fn is_browser(path: &str) -> bool {
    path.ends_with(".tsx")
        || path.ends_with(".jsx")
        || path.split('/').any(|part| {
            matches!(
                part,
                "components" | "hooks" | "frontend" | "front-end" | "client" | "browser"
            )
        })
}
