//! The rules. Each lives in one file under `rules/`, with its document in the repository's
//! `rules/<id>.md`; [`RULES`] is the one registry. Rules are pure: they read the index and
//! report through the [`RuleContext`]; the engine walks, parses and prints.

mod rules;

use auditlint_core::facts::Operation;
use auditlint_core::index::{AuditSite, Index};
use auditlint_core::suppression::Suppression;
use auditlint_core::vocab::SinkName;
use auditlint_core::{Diagnostic, Label};

pub use rules::{
    AuditErrorSwallowed, AuditFlagDiscarded, AuditResultUnchecked, AuditWriteFloating,
    SuppressionInvalid, SuppressionUnused,
};

/// When a rule runs: over the facts, or over the inline suppressions once the facts rules'
/// findings have been matched against them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Facts,
    Suppressions,
}

/// A lint rule.
pub trait Rule: Sync {
    /// Kebab-case id, read as "allow <id>".
    fn id(&self) -> &'static str;
    /// One line: what it finds.
    fn summary(&self) -> &'static str;
    /// The long form, `rules/<id>.md`.
    fn documentation(&self) -> &'static str;
    /// What the rule reads; [`Phase::Suppressions`] rules see [`RuleContext::suppressions`].
    fn phase(&self) -> Phase {
        Phase::Facts
    }
    fn check(&self, ctx: &mut RuleContext<'_, '_>);
}

/// The registry: every rule, in the order `auditlint rules` lists them.
pub static RULES: &[&dyn Rule] = &[
    &AuditErrorSwallowed,
    &AuditResultUnchecked,
    &AuditFlagDiscarded,
    &AuditWriteFloating,
    &SuppressionInvalid,
    &SuppressionUnused,
];

pub fn rule_ids() -> Vec<&'static str> {
    RULES.iter().map(|r| r.id()).collect()
}

pub fn find_rule(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.id() == id)
}

/// What a rule sees and where it reports.
pub struct RuleContext<'i, 'a> {
    pub index: &'i Index<'a>,
    /// The checked files' inline suppressions, matched against the facts rules' findings
    /// (empty in the [`Phase::Facts`] phase).
    pub suppressions: &'i [Suppression],
    diagnostics: Vec<Diagnostic>,
}

impl<'i, 'a> RuleContext<'i, 'a> {
    pub fn new(index: &'i Index<'a>) -> Self {
        Self {
            index,
            suppressions: &[],
            diagnostics: Vec::new(),
        }
    }

    /// A context for the [`Phase::Suppressions`] rules.
    pub fn with_suppressions(index: &'i Index<'a>, suppressions: &'i [Suppression]) -> Self {
        Self {
            index,
            suppressions,
            diagnostics: Vec::new(),
        }
    }

    /// The name of the function around operation `op` of `file` (`Class.method` for a
    /// method), for fingerprints; `None` at the top level or in an anonymous function.
    pub fn enclosing_name(&self, file: u32, op: u32) -> Option<String> {
        let facts = &self.index.files.get(file as usize)?.facts;
        let function = facts
            .functions
            .get(facts.ops.get(op as usize)?.enclosing? as usize)?;
        let name = function.name.as_deref()?;
        Some(match &function.class {
            Some(class) => format!("{class}.{name}"),
            None => name.to_string(),
        })
    }

    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    pub fn sites(&self) -> &'i [AuditSite] {
        &self.index.sites
    }

    /// Is this file Python (its findings get Python advice, and no TypeScript or Rust fix)?
    pub fn is_python(&self, file: u32) -> bool {
        self.index
            .files
            .get(file as usize)
            .is_some_and(|f| f.path.ends_with(".py") || f.path.ends_with(".pyi"))
    }

    /// Is this file Rust (its findings get Rust advice)?
    pub fn is_rust(&self, file: u32) -> bool {
        self.index
            .files
            .get(file as usize)
            .is_some_and(|f| f.path.ends_with(".rs"))
    }

    /// Is this file Go (its findings get Go advice, and no code edit: the fixes are
    /// TypeScript and Rust ones)?
    pub fn is_go(&self, file: u32) -> bool {
        self.index
            .files
            .get(file as usize)
            .is_some_and(|f| f.path.ends_with(".go"))
    }

    pub fn op(&self, site: &AuditSite) -> &'a Operation {
        &self.index.files[site.file as usize].facts.ops[site.op as usize]
    }

    /// Labels for an audit write: the call, and for a wrapper the write inside it.
    pub fn write_labels(&self, site: &AuditSite) -> Vec<Label> {
        let op = self.op(site);
        let mut labels = Vec::new();
        match site
            .via
            .and_then(|via| Some((via, self.index.writers.get(&via)?)))
        {
            Some((via, writer)) => {
                let name = self.index.files[via.file as usize].facts.functions[via.func as usize]
                    .name
                    .clone()
                    .unwrap_or_default();
                labels.push(Label {
                    file: site.file,
                    span: op.span,
                    message: format!("`{name}` performs an {}", site.sink.describe()),
                });
                labels.push(Label {
                    file: writer.write.0,
                    span: writer.write.1,
                    message: format!("{} inside `{name}`", site.sink.describe()),
                });
            }
            None => labels.push(Label {
                file: site.file,
                span: op.span,
                message: site.sink.describe(),
            }),
        }
        labels
    }
}

/// Sites grouped by the span a finding points at (one catch swallowing three writes is one
/// finding), in the order of their first site.
pub fn group_by_span<'s>(
    sites: impl IntoIterator<Item = (&'s AuditSite, auditlint_core::Span)>,
) -> Vec<(auditlint_core::Span, Vec<&'s AuditSite>)> {
    let mut groups: Vec<(auditlint_core::Span, Vec<&'s AuditSite>)> = Vec::new();
    let mut at: std::collections::HashMap<(u32, auditlint_core::Span), usize> =
        std::collections::HashMap::new();
    for (site, span) in sites {
        match at.get(&(site.file, span)) {
            Some(&i) => groups[i].1.push(site),
            None => {
                at.insert((site.file, span), groups.len());
                groups.push((span, vec![site]));
            }
        }
    }
    groups
}

impl RuleContext<'_, '_> {
    /// The labels of every write in a group, each place once.
    pub fn group_labels(&self, sites: &[&AuditSite]) -> Vec<Label> {
        let mut labels: Vec<Label> = Vec::new();
        for site in sites {
            for label in self.write_labels(site) {
                if !labels
                    .iter()
                    .any(|l| l.file == label.file && l.span == label.span)
                {
                    labels.push(label);
                }
            }
        }
        labels
    }

    /// The sinks of a group, for a message: `` `a` `` or `` `a` (and 2 more audit writes) ``.
    pub fn group_phrase(&self, sites: &[&AuditSite]) -> String {
        let first = sink_phrase(self, sites[0]);
        let mut others: Vec<&str> = sites[1..]
            .iter()
            .filter(|s| s.op != sites[0].op)
            .map(|s| s.sink.name())
            .collect();
        others.sort_unstable();
        others.dedup();
        match others.len() {
            0 => first,
            1 => format!("{first} and `{}`", others[0]),
            n => format!("{first} and {n} more audit writes"),
        }
    }
}

/// `` `staff_audit_logs` `` or `` `logPurge` → `staff_audit_logs` ``, for messages.
pub fn sink_phrase(ctx: &RuleContext<'_, '_>, site: &AuditSite) -> String {
    let sink = match &site.sink {
        SinkName::Table(t) => format!("`{t}`"),
        SinkName::Function(f) => format!("`{f}`"),
        SinkName::Url(u) => format!("`{u}`"),
    };
    // A method by its name alone (`create`); a function assigned to a member as it is called
    // (`req.audit`): its own name (`audit`) says little.
    let via = site.via.and_then(|via| {
        let function = &ctx.index.files[via.file as usize].facts.functions[via.func as usize];
        if function.member_of.is_some() {
            function.called_as()
        } else {
            function.name.clone()
        }
    });
    match via {
        Some(name) => format!("{sink} (through `{name}`)"),
        None => sink,
    }
}

/// Runs the rules over in-memory sources, for the rules' inline tests.
#[cfg(test)]
pub(crate) mod testing {
    use auditlint_core::index::{Index, ProjectFile};
    use auditlint_core::resolve::Resolver;
    use auditlint_core::{Config, Diagnostic};

    /// Findings of `rule` over `(path, source)` files; returns (rule, path, 1-based line).
    pub fn run(rule: &dyn super::Rule, sources: &[(&str, &str)]) -> Vec<(String, u32)> {
        let config = Config::defaults(&super::rule_ids());
        let files: Vec<ProjectFile> = sources
            .iter()
            .map(|(path, text)| ProjectFile {
                path: (*path).to_string(),
                facts: std::sync::Arc::new(
                    auditlint_ts::extract(text, auditlint_ts::language_of(path).expect("ts"))
                        .expect("parses"),
                ),
            })
            .collect();
        let resolver = Resolver::new(
            sources.iter().map(|(p, _)| (*p).to_string()),
            vec![],
            vec![],
        );
        let index = Index::build(&files, &config.vocab, &resolver);
        let mut ctx = super::RuleContext::new(&index);
        rule.check(&mut ctx);
        ctx.into_diagnostics()
            .iter()
            .map(|d: &Diagnostic| {
                let text = sources[d.file as usize].1;
                let line = text[..d.span.start as usize].matches('\n').count() as u32 + 1;
                (sources[d.file as usize].0.to_string(), line)
            })
            .collect()
    }

    /// Runs a [`super::Phase::Suppressions`] rule over hand-made suppressions.
    pub(crate) fn run_on_suppressions(
        rule: &dyn super::Rule,
        suppressions: &[auditlint_core::suppression::Suppression],
    ) -> Vec<Diagnostic> {
        let config = auditlint_core::Config::defaults(&super::rule_ids());
        let resolver = auditlint_core::resolve::Resolver::new(Vec::<String>::new(), vec![], vec![]);
        let index = Index::build(&[], &config.vocab, &resolver);
        let mut ctx = super::RuleContext::with_suppressions(&index, suppressions);
        rule.check(&mut ctx);
        ctx.into_diagnostics()
    }

    /// A valid line suppression of `rules`, none of them used yet.
    pub(crate) fn suppression(rules: &[&str]) -> auditlint_core::suppression::Suppression {
        auditlint_core::suppression::Suppression {
            file: 0,
            span: auditlint_core::Span::new(0, 10),
            line: 1,
            scope: auditlint_core::suppression::SuppressionScope::Line,
            rules: rules.iter().map(|r| (*r).to_string()).collect(),
            until: None,
            reason: "the nightly replay job re-inserts failed rows".into(),
            problems: Vec::new(),
            used: vec![false; rules.len()],
        }
    }
}
