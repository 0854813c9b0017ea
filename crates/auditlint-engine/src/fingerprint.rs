//! Fingerprints: what identifies a finding across edits, for the baseline, SARIF and the
//! inventory.
//!
//! A fingerprint hashes the rule, the project-relative path, the enclosing function's name, the
//! sink or flag name and the normalised text of the primary span — no line or column, so it
//! survives lines moving and unrelated edits — plus an occurrence index among findings with the
//! same key, in source order, so a second identical swallow in the same function is a new
//! finding. Normalising drops whitespace, semicolons and trailing commas and unifies quotes, so
//! re-indenting or a formatter's pass does not change it.

use auditlint_core::Finding;
use auditlint_core::diagnostic::stable_hash;

/// The key of a finding, before its occurrence index is known.
pub fn key(rule: &str, path: &str, function: Option<&str>, subject: &str, primary: &str) -> String {
    format!(
        "{:016x}",
        stable_hash(&[
            rule,
            path,
            function.unwrap_or(""),
            subject,
            &normalise(primary)
        ])
    )
}

/// The primary span's text with formatting removed.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_whitespace() => {}
            ';' => {}
            '\'' | '`' => out.push('"'),
            ')' | ']' | '}' => {
                if out.ends_with(',') {
                    out.pop();
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Turns every finding's key (in `fingerprint`) into its fingerprint: the key and its
/// occurrence index among the findings with that key, counted in the order given (sorted by
/// position).
pub fn assign_occurrences(findings: &mut [Finding]) {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for finding in findings {
        let occurrence = seen.entry(finding.fingerprint.clone()).or_default();
        finding.fingerprint = format!(
            "{:016x}",
            stable_hash(&[&finding.fingerprint, &occurrence.to_string()])
        );
        *occurrence += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_does_not_change_the_key() {
        let a = "catch (err) {}";
        let b = "catch (err) {\n  }";
        let c = "catch(err){ }";
        assert_eq!(normalise(a), normalise(b));
        assert_eq!(normalise(a), normalise(c));
        assert_eq!(
            normalise("log('x', {a: 1,});"),
            normalise("log(\"x\", {\n  a: 1\n})")
        );
        assert_ne!(normalise("catch (err) {}"), normalise("catch (e) {}"));
    }

    #[test]
    fn keys_differ_by_function_and_subject() {
        let k = |f: Option<&str>, s: &str| key("r", "a.ts", f, s, "catch {}");
        assert_ne!(k(Some("a"), "t"), k(Some("b"), "t"));
        assert_ne!(k(Some("a"), "t"), k(Some("a"), "u"));
    }
}
