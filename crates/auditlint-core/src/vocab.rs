//! The vocabulary's meaning: which tables and calls are audit sinks, which calls surface an
//! error, which fields are audit flags.

use crate::config::GlobMatcher;
use crate::facts::SinkSyntax;

#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub tables: GlobMatcher,
    pub functions: GlobMatcher,
    pub function_words: Vec<String>,
    pub write_verbs: Vec<String>,
    pub urls: GlobMatcher,
    pub reporter_methods: Vec<String>,
    pub reporter_receivers: GlobMatcher,
    pub reporter_functions: GlobMatcher,
    pub propagators: GlobMatcher,
    pub noops: GlobMatcher,
    pub swallowers: GlobMatcher,
    pub settlers: GlobMatcher,
    pub flags: Vec<String>,
}

/// What an audit write writes to, for messages: a table, a function, a URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SinkName {
    Table(String),
    Function(String),
    Url(String),
}

impl SinkName {
    pub fn name(&self) -> &str {
        match self {
            SinkName::Table(n) | SinkName::Function(n) | SinkName::Url(n) => n,
        }
    }

    /// `audit write to `staff_audit_logs``.
    pub fn describe(&self) -> String {
        match self {
            SinkName::Table(t) => format!("audit write to `{t}`"),
            SinkName::Function(f) => format!("audit write `{f}`"),
            SinkName::Url(u) => format!("audit request to `{u}`"),
        }
    }
}

impl Vocabulary {
    /// Is this table (possibly `schema.table`, possibly quoted) an audit table?
    pub fn is_audit_table(&self, table: &str) -> bool {
        let bare: String = table
            .chars()
            .filter(|c| !matches!(c, '"' | '`' | '[' | ']' | '\''))
            .collect();
        if self.tables.is_match(&bare) {
            return true;
        }
        bare.rsplit('.')
            .next()
            .is_some_and(|last| self.tables.is_match(last))
    }

    /// Does a call chain's path name an audit-writing function? `auditLog.create()`,
    /// `this.auditService.record`, `logAudit`, `audit::log`.
    ///
    /// Names are weak evidence: the index asks this only of callees that do not resolve into
    /// the project (a project function is judged by its body). So the bar is high: a sink word
    /// in the receiver or the method, and a method that *starts* with a write verb —
    /// `transformAuditLog`, `audit_tags`, `verify_audit_chain` and `downloadAuditLogs` are not
    /// writes.
    pub fn is_audit_function(&self, callee: &str) -> bool {
        // Most callees are one path (`db.insert`): nothing to split or rebuild.
        if !callee.bytes().any(|b| b == b':' || b == b'(') {
            return self.path_is_audit_function(callee);
        }
        // Try every call in the chain: `AuditLog.create().save` names `AuditLog.create`.
        let normalized = callee.replace("::", ".");
        let parts: Vec<&str> = normalized.split("().").collect();
        let mut acc = String::new();
        for (i, part) in parts.iter().enumerate() {
            if !acc.is_empty() {
                acc.push_str("().");
            }
            acc.push_str(part);
            // `audit_sink.write().await.push(..)`, `AUDIT.lock().insert(..)`: an earlier call
            // whose result is used as a receiver and that takes a lock is not a write.
            let inner = i + 1 < parts.len();
            if inner && matches!(last_of(part), "write" | "read" | "lock" | "borrow_mut") {
                continue;
            }
            if self.path_is_audit_function(&acc) {
                return true;
            }
        }
        false
    }

    fn path_is_audit_function(&self, path: &str) -> bool {
        if self.functions.is_match(path) {
            return true;
        }
        // The word must name the receiver or the method, not an earlier call's result.
        let receiver_and_last = path.rsplit("().").next().unwrap_or(path);
        if !self
            .function_words
            .iter()
            .any(|w| contains_lowercased(receiver_and_last, w))
        {
            return false;
        }
        let last = to_snake(last_of(path).trim_end_matches('!'));
        starts_with_verb(&last, &self.write_verbs)
    }

    /// Is a Prisma-style model (`auditLog`, `AdminActionLog`) or an ORM model class
    /// (`StaffHistory`) an audit table? Its snake_case name (and plural), or the name as
    /// written — what `auditlint init` declares for a Django model.
    pub fn is_audit_model(&self, model: &str) -> bool {
        let snake = to_snake(model);
        self.is_audit_table(&snake)
            || self.is_audit_table(&format!("{snake}s"))
            || self.is_audit_table(model)
    }

    pub fn is_audit_url(&self, url: &str) -> bool {
        self.urls.is_match(url)
    }

    /// The audit sink a call's syntax names, if the vocabulary says it is one. Drizzle table
    /// objects are resolved by the index.
    pub fn sink_of(&self, sink: &SinkSyntax) -> Option<SinkName> {
        match sink {
            SinkSyntax::SqlInsert { table } | SinkSyntax::BuilderInsert { table, .. } => self
                .is_audit_table(table)
                .then(|| SinkName::Table(table.clone())),
            SinkSyntax::ModelCreate { model } => self
                .is_audit_model(model)
                .then(|| SinkName::Table(model.clone())),
            SinkSyntax::RemoteCall { function } => {
                let audit = self.is_audit_table(function) || self.is_audit_function(function);
                audit.then(|| SinkName::Function(function.clone()))
            }
            SinkSyntax::HttpRequest { url } | SinkSyntax::HttpClient { url } => {
                self.is_audit_url(url).then(|| SinkName::Url(url.clone()))
            }
            SinkSyntax::TableObjectInsert { .. } => None,
        }
    }

    /// Does calling this path surface an error (a warn/error log, an error tracker)?
    pub fn is_reporter(&self, callee: &str) -> bool {
        if self.reporter_functions.is_match(callee) {
            return true;
        }
        let Some((receiver, method)) = callee.rsplit_once('.') else {
            return false;
        };
        // Any part of the receiver: `logger.child({..}).warn`, `logger.withContext(..).error`,
        // `this.log.error` — a logger-like receiver, then any chain of calls.
        // Go loggers capitalise (`slog.Warn`, `log.Errorf`, `logger.Warnw`).
        self.reporter_methods
            .iter()
            .any(|m| m == method || m.eq_ignore_ascii_case(method))
            && receiver.split('.').any(|part| {
                self.reporter_receivers
                    .is_match(part.trim_end_matches("()"))
            })
    }

    /// Does calling this path pass the error on (`reject`, `next`, `Promise.reject`)?
    pub fn is_propagator(&self, callee: &str) -> bool {
        self.propagators.is_match(callee)
    }

    /// Does this library helper swallow the rejection of the promise it is given
    /// (`trySafe(promise)`)?
    pub fn is_swallower(&self, callee: &str) -> bool {
        self.swallowers.is_match(callee)
    }

    /// Does this library helper turn the rejection of the promise passed to it into a value
    /// the caller must read (`to(promise)` → `[err, data]`, `pSettle([..])`)?
    pub fn is_settler(&self, callee: &str) -> bool {
        self.settlers.is_match(callee)
    }

    pub fn is_noop(&self, callee: &str) -> bool {
        self.noops.is_match(callee)
    }

    /// Is `name` a flag? Also with its first letter capitalised: Go exports fields that way
    /// (`AuditLogged` is `auditLogged`).
    pub fn is_flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| {
            f == name || {
                let mut flag = f.chars();
                let mut candidate = name.chars();
                match (flag.next(), candidate.next()) {
                    (Some(a), Some(b)) => {
                        a.is_lowercase() && b == a.to_ascii_uppercase() && flag.eq(candidate)
                    }
                    _ => false,
                }
            }
        })
    }

    /// Literals (lowercase) one of which a file must contain for the vocabulary to find a sink
    /// in it: the longest literal run of every sink pattern, and its camelCase spelling; the
    /// empty literal (every file) when a sink pattern has no run of 3 literal characters.
    pub fn prefilter_literals(&self) -> Vec<String> {
        let mut out = Vec::new();
        let patterns = self
            .tables
            .patterns
            .iter()
            .chain(&self.functions.patterns)
            .chain(&self.urls.patterns)
            .chain(&self.function_words)
            .chain(&self.flags);
        let sink_patterns =
            self.tables.patterns.len() + self.functions.patterns.len() + self.urls.patterns.len();
        for (i, pattern) in patterns.enumerate() {
            let Some(literal) = longest_literal(pattern) else {
                // A sink pattern too short to look for (`tx`, `*`) could match in any file: the
                // empty literal lets every file through rather than skip the ones it names.
                if i < sink_patterns {
                    out.push(String::new());
                }
                continue;
            };
            let joined: String = literal.trim_matches('_').replace('_', "");
            if joined.len() >= 4 && joined != literal.trim_matches('_') {
                out.push(joined);
            }
            out.push(literal);
        }
        // A file with an inline suppression is parsed even when it names no sink, so that a
        // suppression there is checked (and reported as unused).
        out.push("auditlint-ignore".to_string());
        out.sort();
        out.dedup();
        out
    }
}

/// The last segment of a dotted path.
fn last_of(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// The longest run of literal characters in a glob, lowercased; `None` when shorter than 3.
fn longest_literal(pattern: &str) -> Option<String> {
    pattern
        .split(['*', '?', '[', ']', '{', '}', ','])
        .max_by_key(|s| s.len())
        .filter(|s| s.len() >= 3)
        .map(str::to_lowercase)
}

/// Does `haystack`, lowercased, contain `needle` (lowercase)? Without allocating when
/// `haystack` is ASCII, as callee paths almost always are.
fn contains_lowercased(haystack: &str, needle: &str) -> bool {
    if !haystack.is_ascii() {
        return haystack.to_lowercase().contains(needle);
    }
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle))
}

/// `create_audit_log` starts with the verb `create`; `login` does not start with `log`.
/// `segment` is snake_case (see [`to_snake`]), so word boundaries are `_`.
fn starts_with_verb(segment: &str, verbs: &[String]) -> bool {
    verbs.iter().any(|verb| {
        segment.strip_prefix(verb.as_str()).is_some_and(|rest| {
            rest.is_empty()
                || rest.starts_with('_')
                || rest.starts_with(|c: char| c.is_ascii_digit())
        })
    })
}

/// `AuditLog` → `audit_log`; `createAuditLog` → `create_audit_log`.
pub fn to_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn vocab() -> super::Vocabulary {
        Config::defaults(&[]).vocab
    }

    #[test]
    fn audit_functions_by_path() {
        let v = vocab();
        for yes in [
            "logAudit",
            "createAuditLog",
            "auditLog.create",
            "this.auditService.record",
            "AuditLog.create",
            "audit.log",
            "audit::log",
            "AuditLog::create",
            "audit_service::log_action",
            "self.audit.record",
            "AuditLog.create().save",
        ] {
            assert!(v.is_audit_function(yes), "{yes}");
        }
        for no in [
            "getAuditLogs",
            "auditLog.findMany",
            "transformAuditLogTB",
            "auditMeta",
            "auditDetailsUpdate",
            "collect_audit_metrics",
            "audit_tags",
            "AuditSystem::start",
            "self.audit_sink.write().await.push",
            "audit_log_list",
            "replay_audit",
            "verify_audit_chain",
            "downloadAuditLogs",
            "transformedAuditsForExport.push",
            "login",
            "console.log",
            "getAudit().push",
            "auditing.deleteAuditLog",
        ] {
            assert!(!v.is_audit_function(no), "{no}");
        }
    }

    #[test]
    fn tables_and_models() {
        let v = vocab();
        assert!(v.is_audit_table("public.\"staff_audit_logs\""));
        assert!(!v.is_audit_table("tier_events"));
        assert!(!v.is_audit_table("order_progress_events"));
        assert!(v.is_audit_table("security_events"));
        assert!(!v.is_audit_table("menu_items"));
        assert!(v.is_audit_model("auditLog"));
        assert!(v.is_audit_model("activityLog"));
        assert!(!v.is_audit_model("tierEvent"));
        assert!(!v.is_audit_model("user"));
    }

    #[test]
    fn reporters() {
        let v = vocab();
        for yes in [
            "console.warn",
            "console.error",
            "logger.warn",
            "this.logger.error",
            "req.log.warn",
            "ctx.log.error",
            "Sentry.captureException",
            "captureException",
            "tracing::warn!",
            "eprintln!",
            "span.recordException",
            "logger.child().warn",
            "this.logger.withContext().error",
            "logger.warning",
            "req.log.child().fatal",
            "slog.Warn",
            "slog.ErrorContext",
            "s.logger.Warnw",
            "logrus.WithError().Warn",
            "log.Warn",
            "log.Err",
            "zap.L().Error",
            "sentry.CaptureException",
        ] {
            assert!(v.is_reporter(yes), "{yes}");
        }
        for no in [
            "console.log",
            "console.info",
            "logger.info",
            "println!",
            "debug!",
            "res.json",
            "logger.child().info",
            "res.status().json",
            "slog.Info",
            "log.Printf",
            "fmt.Errorf",
            "t.Errorf",
        ] {
            assert!(!v.is_reporter(no), "{no}");
        }
    }
}

#[cfg(test)]
mod case_tests {
    use super::contains_lowercased;

    #[test]
    fn words_are_found_in_any_case_without_allocating_for_ascii() {
        assert!(contains_lowercased("this.AuditService.create", "audit"));
        assert!(contains_lowercased("AUDIT_LOG::write", "audit"));
        assert!(!contains_lowercased("auditorium", "audits"));
        assert!(contains_lowercased("Ünterschrift.audit", "audit"));
        assert!(contains_lowercased("x.ÄUDIT", "äudit"));
        assert!(!contains_lowercased("x.AUDIT", "äudit"));
    }
}
