//! An inline suppression without a real reason, naming an unknown rule, or expired: it
//! suppresses nothing.

use auditlint_core::Diagnostic;
use auditlint_core::suppression::SuppressionProblem;

use crate::{Phase, Rule, RuleContext};

pub struct SuppressionInvalid;

impl Rule for SuppressionInvalid {
    fn id(&self) -> &'static str {
        "suppression-invalid"
    }

    fn summary(&self) -> &'static str {
        "an inline suppression without a real reason, naming an unknown rule, or expired: it suppresses nothing"
    }

    fn documentation(&self) -> &'static str {
        include_str!("../../../../rules/suppression-invalid.md")
    }

    fn phase(&self) -> Phase {
        Phase::Suppressions
    }

    fn check(&self, ctx: &mut RuleContext<'_, '_>) {
        for suppression in ctx.suppressions {
            let Some(first) = suppression.problems.first() else {
                continue;
            };
            let problems: Vec<String> = suppression
                .problems
                .iter()
                .map(SuppressionProblem::describe)
                .collect();
            let help = match first {
                SuppressionProblem::NoReason
                | SuppressionProblem::ShortReason { .. }
                | SuppressionProblem::PlaceholderReason => {
                    "give a reason an auditor can check later, after `--`: \
                     `// auditlint-ignore audit-error-swallowed -- the replay job re-inserts failed rows`"
                }
                SuppressionProblem::NoRule
                | SuppressionProblem::UnknownRule { .. }
                | SuppressionProblem::UnexpectedText { .. } => {
                    "name the rules to silence, comma-separated, as `auditlint rules` lists them: \
                     `// auditlint-ignore RULE[, RULE] [until=YYYY-MM-DD] -- reason`"
                }
                SuppressionProblem::NotSuppressible { .. } => {
                    "remove it; to silence the suppression rules, set their level in `auditlint.toml`"
                }
                SuppressionProblem::BadDate { .. } => {
                    "write the date as `until=YYYY-MM-DD`, before the `--`"
                }
                SuppressionProblem::Expired { .. } => {
                    "fix the finding it silenced, or renew `until=` with a reason that says why \
                     it is still needed"
                }
            };
            ctx.report(Diagnostic {
                rule: self.id(),
                file: suppression.file,
                span: suppression.span,
                message: format!(
                    "`{}` suppresses nothing: {}",
                    suppression.scope.directive(),
                    problems.join("; ")
                ),
                help: help.to_string(),
                labels: Vec::new(),
                subject: suppression.rules.join(","),
                function: None,
                fix: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use auditlint_core::suppression::SuppressionProblem;

    use super::SuppressionInvalid;
    use crate::testing::{run_on_suppressions, suppression};

    #[test]
    fn fails() {
        for problem in [
            SuppressionProblem::NoReason,
            SuppressionProblem::PlaceholderReason,
            SuppressionProblem::ShortReason { min: 10 },
            SuppressionProblem::UnknownRule {
                rule: "x".into(),
                suggestion: None,
            },
            SuppressionProblem::Expired {
                until: "2020-01-01".into(),
            },
        ] {
            let mut s = suppression(&["audit-error-swallowed"]);
            s.problems = vec![problem.clone()];
            let found = run_on_suppressions(&SuppressionInvalid, &[s]);
            assert_eq!(found.len(), 1, "{problem:?}");
            assert!(found[0].message.contains(&problem.describe()));
        }
    }

    #[test]
    fn passes() {
        let mut used = suppression(&["audit-error-swallowed"]);
        used.used = vec![true];
        let unused = suppression(&["audit-error-swallowed"]);
        assert!(run_on_suppressions(&SuppressionInvalid, &[used, unused]).is_empty());
    }
}
