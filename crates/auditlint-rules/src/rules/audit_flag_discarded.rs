//! A call returns a per-item audit flag (`audit_logged` …) or a failure value, and the caller
//! drops it.

use auditlint_core::flags::Produces;
use auditlint_core::{Diagnostic, Label};

use crate::{Rule, RuleContext};

pub struct AuditFlagDiscarded;

impl Rule for AuditFlagDiscarded {
    fn id(&self) -> &'static str {
        "audit-flag-discarded"
    }

    fn summary(&self) -> &'static str {
        "a call returns a per-item audit flag (`audit_logged` …) and the caller drops it"
    }

    fn documentation(&self) -> &'static str {
        include_str!("../../../../rules/audit-flag-discarded.md")
    }

    fn check(&self, ctx: &mut RuleContext<'_, '_>) {
        let index = ctx.index;
        for site in &index.flag_sites {
            if site.observed {
                continue;
            }
            let Some(producer) = index.producers.get(&site.producer) else {
                continue;
            };
            let function = &index.files[site.producer.file as usize].facts.functions
                [site.producer.func as usize];
            let name = function.name.as_deref().unwrap_or("<anonymous>");
            let op = &index.files[site.file as usize].facts.ops[site.op as usize];
            let (message, label, subject) = match &producer.produces {
                Produces::Flag(flag) => (
                    format!(
                        "`{name}` reports a failed audit write in `{flag}`, and this call never reads it"
                    ),
                    format!("`{flag}` is set here"),
                    flag.clone(),
                ),
                Produces::FailureValue => (
                    format!(
                        "`{name}` returns its audit write's error instead of throwing it, and this call drops the result"
                    ),
                    "the error is returned here".to_string(),
                    "failure-value".to_string(),
                ),
            };
            ctx.report(Diagnostic {
                rule: self.id(),
                file: site.file,
                span: op.result.span,
                message,
                help: "read the flag and count the failures: \
                       `const auditFails = results.filter((r) => r.upgraded && !r.audit_logged)`; \
                       return the count and the ids (capped, e.g. the first 100) and log a structured beacon \
                       (`console.warn(JSON.stringify({ event: \"audit_failed_bulk\", count, ids }))`)"
                    .to_string(),
                labels: vec![Label {
                    file: producer.at.0,
                    span: producer.at.1,
                    message: label,
                }],
                subject,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AuditFlagDiscarded;
    use crate::testing::run;

    const PRODUCER: &str = "export async function evaluateTier(id: string) {\n  return { affiliate_id: id, upgraded: true, audit_logged: false };\n}\n";

    fn caller(body: &str) -> Vec<(String, u32)> {
        let caller = format!(
            "import {{ evaluateTier }} from \"./tier\";\nexport async function job(ids: string[]) {{\n{body}\n}}\n"
        );
        run(
            &AuditFlagDiscarded,
            &[("tier.ts", PRODUCER), ("job.ts", &caller)],
        )
    }

    #[test]
    fn fails() {
        for body in [
            "  await evaluateTier(ids[0]);",
            "  const { upgraded } = await evaluateTier(ids[0]);\n  return upgraded;",
            "  const results = await Promise.all(ids.map((id) => evaluateTier(id)));\n  return results.filter((r) => r.upgraded).length;",
            "  let n = 0;\n  for (const id of ids) { const r = await evaluateTier(id); if (r.upgraded) n++; }\n  return n;",
        ] {
            assert_eq!(caller(body).len(), 1, "{body}");
        }
    }

    #[test]
    fn passes() {
        for body in [
            "  const r = await evaluateTier(ids[0]);\n  if (!r.audit_logged) console.warn('x');",
            "  return Promise.all(ids.map(evaluateTier));",
            "  const results = await Promise.all(ids.map((id) => evaluateTier(id)));\n  report(results);",
            "  const results = await Promise.all(ids.map((id) => evaluateTier(id)));\n  return results.filter((r) => !r.audit_logged).length;",
        ] {
            assert_eq!(caller(body), vec![], "{body}");
        }
    }
}
