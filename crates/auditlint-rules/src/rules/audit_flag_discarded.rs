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
            let producer_file = &index.files[site.producer.file as usize];
            let function = &producer_file.facts.functions[site.producer.func as usize];
            // `export default function () {}` is named `default`: say whose default it is.
            let name = match function.name.as_deref() {
                Some("default") if function.class.is_none() => {
                    format!("the default export of {}", producer_file.path)
                }
                Some(name) => name.to_string(),
                None => "<anonymous>".to_string(),
            };
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
                    "this audit write's error is caught and returned".to_string(),
                    "failure-value".to_string(),
                ),
            };
            ctx.report(Diagnostic {
                rule: self.id(),
                file: site.file,
                span: op.result.span,
                message,
                help: if ctx.is_go(site.file) {
                    "read the flag and count the failures: \
                     `if res.Upgraded && !res.AuditLogged { failed = append(failed, id) }`; \
                     return the count and the ids (capped, e.g. the first 100) and log a structured beacon \
                     (`slog.Error(\"audit_failed_bulk\", \"count\", len(failed), \"ids\", failed)`)"
                    .to_string()
                } else if ctx.is_python(site.file) {
                    "read the flag and count the failures: \
                     `audit_failed = [r for r in results if r[\"upgraded\"] and not r[\"audit_logged\"]]`; \
                     return the count and the ids (capped, e.g. the first 100) and log a structured beacon \
                     (`logger.warning(\"audit_failed_bulk\", extra={\"count\": n, \"ids\": ids})`)"
                        .to_string()
                } else if ctx.is_rust(site.file) {
                    "read the flag and count the failures: \
                     `let audit_failed: Vec<_> = outcomes.iter().filter(|o| o.upgraded && !o.audit_logged).collect();` \
                     return the count and the ids (capped, e.g. the first 100) and log a structured beacon \
                     (`tracing::error!(event = \"audit_failed_bulk\", count, ?ids)`)"
                        .to_string()
                } else {
                    "read the flag and count the failures: \
                       `const auditFails = results.filter((r) => r.upgraded && !r.audit_logged)`; \
                       return the count and the ids (capped, e.g. the first 100) and log a structured beacon \
                       (`console.warn(JSON.stringify({ event: \"audit_failed_bulk\", count, ids }))`)"
                    .to_string()
                },
                labels: vec![Label {
                    file: producer.at.0,
                    span: producer.at.1,
                    message: label,
                }],
                subject,
                function: ctx.enclosing_name(site.file, site.op),
                fix: None,
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
            "  evaluateTier(ids[0]);",
            "  ids.forEach((id) => evaluateTier(id));",
            "  const results = await Promise.all(ids.map(async (id) => { const r = await evaluateTier(id); return r; }));\n  return results.filter((r) => r.upgraded).length;",
            "  const out = [];\n  for (const id of ids) out.push(await evaluateTier(id));\n  return out.filter((r) => r.upgraded).length;",
            "  const results = await Promise.all(ids.map((id) => evaluateTier(id)));\n  let n = 0;\n  for (let i = 0; i < results.length; i++) if (results[i].upgraded) n++;\n  return n;",
            "  const settled = await Promise.allSettled(ids.map((id) => evaluateTier(id)));\n  return settled.filter((s) => s.status === 'fulfilled' && s.value.upgraded).length;",
            "  const r = await evaluateTier(ids[0]);\n  return r['upgraded'];",
            "  const r = await evaluateTier(ids[0]);\n  if (!r) throw new Error('none');\n  return r.upgraded;",
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
            "  const { upgraded, ...rest } = await evaluateTier(ids[0]);\n  return rest;",
            "  const r = await evaluateTier(ids[0]);\n  return 'audit_logged' in r && r.upgraded;",
            "  const r = await evaluateTier(ids[0]);\n  return r['audit_logged'];",
            "  const out = [];\n  for (const id of ids) out.push(await evaluateTier(id));\n  return out;",
            "  const results = await Promise.all(ids.map(async (id) => { const r = await evaluateTier(id); return r; }));\n  return results.filter((r) => !r.audit_logged).length;",
            "  return Promise.all(ids.map((id) => evaluateTier(id))).then((results) => results.some((r) => !r.audit_logged));",
            "  const r = await evaluateTier(ids[0]).catch(() => null);\n  return r?.audit_logged;",
        ] {
            assert_eq!(caller(body), vec![], "{body}");
        }
    }

    /// A function that only passes a producer's collection on hands the flags to its callers.
    #[test]
    fn pass_through_collections() {
        let runner = "import { evaluateTier } from \"./tier\";\nexport function runAll(ids: string[]) {\n  return Promise.all(ids.map(evaluateTier));\n}\n";
        for (body, expected) in [
            (
                "  const results = await runAll(ids);\n  return results.filter((r) => r.upgraded).length;",
                1,
            ),
            (
                "  let n = 0;\n  for (const r of await runAll(ids)) if (r.upgraded) n++;\n  return n;",
                1,
            ),
            (
                "  const results = await runAll(ids);\n  return results.filter((r) => !r.audit_logged).length;",
                0,
            ),
            (
                "  let n = 0;\n  for (const r of await runAll(ids)) if (!r.audit_logged) n++;\n  return n;",
                0,
            ),
            (
                "  const results = await runAll(ids);\n  return results.slice(0, 10);",
                0,
            ),
        ] {
            let job = format!(
                "import {{ runAll }} from \"./runner\";\nexport async function job(ids: string[]) {{\n{body}\n}}\n"
            );
            let found = run(
                &AuditFlagDiscarded,
                &[
                    ("tier.ts", PRODUCER),
                    ("runner.ts", runner),
                    ("job.ts", &job),
                ],
            );
            assert_eq!(found.len(), expected, "{body}: {found:?}");
            assert!(found.iter().all(|(path, _)| path == "job.ts"), "{found:?}");
        }
    }

    /// Declared result types: aliases, unions and `extends` are followed to the flag; a flag
    /// nested in a member's type is not the result's own.
    #[test]
    fn declared_types() {
        let types = "export interface AuditOutcome { audit_logged: boolean }\nexport interface TierResult extends AuditOutcome { upgraded: boolean }\nexport type Skipped = { skipped: true };\nexport type Outcome = TierResult | Skipped;\nexport interface Batch { total: number; results: TierResult[] }\n";
        for (ret, expected) in [
            ("Promise<TierResult>", 1),
            ("Promise<Outcome>", 1),
            ("Promise<Skipped | TierResult>", 1),
            ("Promise<Batch>", 0),
            ("Promise<Skipped>", 0),
            ("Promise<Omit<TierResult, 'audit_logged'>>", 0),
            ("Promise<keyof TierResult>", 0),
        ] {
            let tier = format!(
                "import type {{ AuditOutcome, TierResult, Skipped, Outcome, Batch }} from \"./types\";\nexport async function evaluate(id: string): {ret} {{\n  return load(id);\n}}\n"
            );
            let job = "import { evaluate } from \"./tier\";\nexport async function job(id: string) {\n  const { total } = await evaluate(id);\n  return total;\n}\n";
            let found = run(
                &AuditFlagDiscarded,
                &[("types.ts", types), ("tier.ts", &tier), ("job.ts", job)],
            );
            assert_eq!(found.len(), expected, "{ret}: {found:?}");
        }
    }

    /// A failure value is checked by testing it; an object's flag is not.
    #[test]
    fn failure_values_are_tested() {
        let helper = "export async function tryLog(x: string) {\n  try { await logAudit(x); } catch (e) { console.log(e); return e; }\n}\n";
        for (body, expected) in [
            ("  await tryLog(x);", 1),
            (
                "  const err = await tryLog(x);\n  if (err) return 500;\n  return 204;",
                0,
            ),
            ("  return (await tryLog(x)) === undefined;", 0),
            (
                "  await Promise.all([x].map(async (y) => { tryLog(y); }));",
                1,
            ),
        ] {
            let job = format!(
                "import {{ tryLog }} from \"./helper\";\nexport async function job(x: string) {{\n{body}\n}}\n"
            );
            let found = run(
                &AuditFlagDiscarded,
                &[("helper.ts", helper), ("job.ts", &job)],
            );
            assert_eq!(found.len(), expected, "{body}: {found:?}");
        }
    }
}
