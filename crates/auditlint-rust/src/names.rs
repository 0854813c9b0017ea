//! `use` declarations as imports, and the type names a signature mentions.

use auditlint_core::facts::{Import, Imported};
use syn::{Type, UseTree};

/// `use crate::audit::{self, write_audit as write};` → `audit` (the module) from `crate`,
/// `write` (`write_audit`) from `crate::audit`; `use crate::util::*` → a glob (`*`).
pub fn imports(tree: &UseTree, out: &mut Vec<Import>) {
    let mut stack: Vec<(Vec<String>, &UseTree)> = vec![(Vec::new(), tree)];
    while let Some((prefix, tree)) = stack.pop() {
        match tree {
            UseTree::Path(p) => {
                let mut next = prefix.clone();
                next.push(p.ident.to_string());
                stack.push((next, &p.tree));
            }
            UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last() {
                        out.push(Import {
                            local: last.clone(),
                            imported: Imported::Named(last.clone()),
                            source: prefix[..prefix.len() - 1].join("::"),
                        });
                    }
                } else {
                    out.push(Import {
                        local: name.clone(),
                        imported: Imported::Named(name),
                        source: prefix.join("::"),
                    });
                }
            }
            UseTree::Rename(r) => {
                let name = r.ident.to_string();
                let local = r.rename.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last() {
                        out.push(Import {
                            local,
                            imported: Imported::Named(last.clone()),
                            source: prefix[..prefix.len() - 1].join("::"),
                        });
                    }
                } else if local != "_" {
                    out.push(Import {
                        local,
                        imported: Imported::Named(name),
                        source: prefix.join("::"),
                    });
                }
            }
            UseTree::Glob(_) => out.push(Import {
                local: "*".into(),
                imported: Imported::Namespace,
                source: prefix.join("::"),
            }),
            UseTree::Group(g) => {
                for item in &g.items {
                    stack.push((prefix.clone(), item));
                }
            }
        }
    }
}

/// Every type name in a type: `Result<Vec<TierOutcome>, AppError>` → `Result`, `Vec`,
/// `TierOutcome`, `AppError`.
pub fn type_names(ty: &Type, out: &mut Vec<String>) {
    let mut stack = vec![ty];
    while let Some(ty) = stack.pop() {
        match ty {
            Type::Path(p) => {
                for segment in &p.path.segments {
                    out.push(segment.ident.to_string());
                    if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
                        for arg in &args.args {
                            if let syn::GenericArgument::Type(t) = arg {
                                stack.push(t);
                            }
                        }
                    }
                }
            }
            Type::Reference(r) => stack.push(&r.elem),
            Type::Slice(s) => stack.push(&s.elem),
            Type::Array(a) => stack.push(&a.elem),
            Type::Paren(p) => stack.push(&p.elem),
            Type::Group(g) => stack.push(&g.elem),
            Type::Tuple(t) => stack.extend(t.elems.iter()),
            Type::ImplTrait(i) => {
                for bound in &i.bounds {
                    if let syn::TypeParamBound::Trait(t) = bound {
                        for segment in &t.path.segments {
                            if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
                                for arg in &args.args {
                                    match arg {
                                        syn::GenericArgument::Type(t) => stack.push(t),
                                        syn::GenericArgument::AssocType(a) => stack.push(&a.ty),
                                        _ => {}
                                    }
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// `impl<T> AuditService<T>` → `AuditService`.
pub fn last_type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Reference(r) => last_type_name(&r.elem),
        Type::Group(g) => last_type_name(&g.elem),
        Type::Paren(p) => last_type_name(&p.elem),
        _ => None,
    }
}
