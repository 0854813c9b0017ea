//! An inline suppression that silenced no finding.

use auditlint_core::Diagnostic;

use crate::{Phase, Rule, RuleContext};

pub struct SuppressionUnused;

impl Rule for SuppressionUnused {
    fn id(&self) -> &'static str {
        "suppression-unused"
    }

    fn summary(&self) -> &'static str {
        "an inline suppression that silenced no finding"
    }

    fn documentation(&self) -> &'static str {
        include_str!("../../../../rules/suppression-unused.md")
    }

    fn phase(&self) -> Phase {
        Phase::Suppressions
    }

    fn check(&self, ctx: &mut RuleContext<'_, '_>) {
        for suppression in ctx.suppressions {
            let unused = suppression.unused_rules();
            if unused.is_empty() {
                continue;
            }
            let names: Vec<String> = unused.iter().map(|r| format!("`{r}`")).collect();
            let (message, help) = if unused.len() == suppression.rules.len() {
                (
                    format!(
                        "`{}` for {} silences no finding",
                        suppression.scope.directive(),
                        names.join(", ")
                    ),
                    "remove the comment: the code it excused changed, and a stale suppression \
                     would silence the next real finding here"
                        .to_string(),
                )
            } else {
                (
                    format!(
                        "`{}` names {} but no such finding is here",
                        suppression.scope.directive(),
                        names.join(", ")
                    ),
                    format!("remove {} from the comment", names.join(", ")),
                )
            };
            ctx.report(Diagnostic {
                rule: self.id(),
                file: suppression.file,
                span: suppression.span,
                message,
                help,
                labels: Vec::new(),
                subject: unused.join(","),
                function: None,
                fix: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use auditlint_core::suppression::SuppressionProblem;

    use super::SuppressionUnused;
    use crate::testing::{run_on_suppressions, suppression};

    #[test]
    fn fails() {
        let unused = suppression(&["audit-error-swallowed"]);
        let found = run_on_suppressions(&SuppressionUnused, &[unused]);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("silences no finding"));
        let mut partly = suppression(&["audit-error-swallowed", "audit-write-floating"]);
        partly.used = vec![true, false];
        let found = run_on_suppressions(&SuppressionUnused, &[partly]);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("`audit-write-floating`"));
        assert!(!found[0].message.contains("`audit-error-swallowed`"));
    }

    #[test]
    fn passes() {
        let mut used = suppression(&["audit-error-swallowed"]);
        used.used = vec![true];
        // An invalid suppression is `suppression-invalid`'s to report, not this rule's.
        let mut invalid = suppression(&["audit-error-swallowed"]);
        invalid.problems = vec![SuppressionProblem::NoReason];
        assert!(run_on_suppressions(&SuppressionUnused, &[used, invalid]).is_empty());
    }
}
