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

/// An identifier's text in a buffer on the stack (most identifiers are short): what
/// `ident.to_string()` gives, without a heap allocation, for names that are only compared.
pub(crate) struct Name {
    buf: [u8; 48],
    len: usize,
    long: Option<String>,
}

impl Name {
    pub(crate) fn of(ident: &proc_macro2::Ident) -> Self {
        let mut name = Name {
            buf: [0; 48],
            len: 0,
            long: None,
        };
        push_display(&mut name, ident);
        name
    }

    pub(crate) fn as_str(&self) -> &str {
        match &self.long {
            Some(long) => long,
            None => std::str::from_utf8(&self.buf[..self.len]).unwrap_or(""),
        }
    }
}

impl std::fmt::Write for Name {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if let Some(long) = &mut self.long {
            long.push_str(s);
            return Ok(());
        }
        let end = self.len + s.len();
        if let Some(room) = self.buf.get_mut(self.len..end) {
            room.copy_from_slice(s.as_bytes());
            self.len = end;
        } else {
            let mut long = String::with_capacity(end);
            long.push_str(std::str::from_utf8(&self.buf[..self.len]).unwrap_or(""));
            long.push_str(s);
            self.long = Some(long);
        }
        Ok(())
    }
}

/// Appends `value`'s text to `out` without a `String` of its own (`to_string` allocated one per
/// identifier). The writers it is given, a `String` and a [`Name`], return `Ok` from every
/// write: there is no error to report.
pub(crate) fn push_display(out: &mut impl std::fmt::Write, value: &impl std::fmt::Display) {
    let _ = write!(out, "{value}");
}

#[cfg(test)]
mod tests {
    use super::Name;

    #[test]
    fn a_name_is_the_identifier_text() {
        for text in ["ok", "r#type", "r#match", "é", &"long_".repeat(30), "x"] {
            let ident: proc_macro2::Ident = syn::parse_str(text).expect("an identifier");
            assert_eq!(Name::of(&ident).as_str(), ident.to_string());
        }
    }
}
