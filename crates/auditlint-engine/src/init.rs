//! `auditlint init`: learn a project's audit vocabulary from its schema and its write sites.
//!
//! Real projects name their audit stores `events`, `logs`, `modlog`, `staff_actions`; the
//! default table globs (`*audit*`, `*activity_log*`, …) do not know them. This reads the
//! declared stores — SQL migrations (`CREATE TABLE`), Prisma `model`s, Drizzle `pgTable(..)`,
//! TypeORM `@Entity`, Sequelize `define`/`tableName`, Mongoose `model(..)`, diesel `table!`,
//! SeaORM `table_name`, SQLAlchemy `__tablename__`, Django models (`class X(models.Model)`,
//! `db_table`) — and ranks each by the evidence that it is an audit trail: its name,
//! audit-shaped columns (actor, action, target, ip), and how the code uses it (written, never
//! updated or deleted). Only text is read: nothing is executed, and no source is parsed beyond
//! the declarations' shapes.

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;

/// A store the schema declares, with the evidence gathered for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The table (or collection/model) name writes name.
    pub name: String,
    /// Where it is declared: `path:line` and the kind of declaration.
    pub declared: String,
    pub columns: Vec<String>,
    /// Columns that look like an audit record's: actor, action, target, ip, …
    pub audit_columns: Vec<String>,
    /// Source lines that write to it (insert/create/save naming it).
    pub writes: usize,
    /// Source lines that update or delete it.
    pub mutations: usize,
    pub score: u32,
}

impl Candidate {
    /// Strong: an audit-ish name or audit-shaped columns, written and never mutated.
    pub fn is_strong(&self) -> bool {
        self.score >= 6
    }
}

/// The words in a name that suggest an audit trail.
const NAME_WORDS: &[&str] = &[
    "audit", "event", "log", "activity", "history", "action", "trail", "journal", "modlog",
];

/// Words of an audit record's column names (`actor_id`, `eventType`, `ip_address`).
const COLUMN_WORDS: &[&str] = &[
    "actor",
    "performed",
    "action",
    "event",
    "target",
    "resource",
    "entity",
    "ip",
    "agent",
    "operation",
    "changes",
    "old",
    "new",
    "diff",
];

struct Patterns {
    sql_table: Regex,
    prisma_model: Regex,
    drizzle: Regex,
    typeorm: Regex,
    sequelize: Regex,
    table_name: Regex,
    mongoose: Regex,
    diesel: Regex,
    sea_orm: Regex,
    gorm_table_name: Regex,
    sqlalchemy: Regex,
    django_model: Regex,
    django_table: Regex,
}

impl Patterns {
    fn new() -> Self {
        let re = |p: &str| Regex::new(p).unwrap_or_else(|e| unreachable!("pattern {p}: {e}"));
        Self {
            sql_table: re(
                r#"(?i)create\s+table\s+(?:if\s+not\s+exists\s+)?(?:[`"\[]?\w+[`"\]]?\.)?[`"\[]?(\w+)[`"\]]?\s*\("#,
            ),
            prisma_model: re(r"(?m)^\s*model\s+(\w+)\s*\{"),
            drizzle: re(r#"(?:pg|sqlite|mysql)Table\(\s*["'`](\w+)["'`]"#),
            typeorm: re(r#"@Entity\(\s*(?:["'`](\w+)["'`]|\{[^}]*name:\s*["'`](\w+)["'`])?"#),
            sequelize: re(r#"\.define\(\s*["'`](\w+)["'`]"#),
            table_name: re(r#"tableName:\s*["'`](\w+)["'`]"#),
            mongoose: re(r#"\bmodel\(\s*["'`](\w+)["'`]\s*,"#),
            diesel: re(r"table!\s*\{\s*(?:\w+\.)?(\w+)\s*(?:\([^)]*\))?\s*\{"),
            sea_orm: re(r#"table_name\s*=\s*"(\w+)""#),
            // GORM: `func (TierEvent) TableName() string { return "tier_events" }`.
            gorm_table_name: re(
                r#"func\s*\(\s*\w*\s*\*?\w+\s*\)\s*TableName\(\)\s*string\s*\{\s*return\s*"(\w+)""#,
            ),
            sqlalchemy: re(r#"__tablename__\s*=\s*["'](\w+)["']"#),
            django_model: re(r"(?m)^class\s+(\w+)\s*\((?:[\w.]*\.)?Model\)\s*:"),
            django_table: re(r#"\bdb_table\s*=\s*["'](\w+)["']"#),
        }
    }
}

/// Reads every schema and source file under `root` (gitignore-aware, never following
/// symlinks) and returns the candidate stores, strongest first. Stores the vocabulary already
/// knows as audit tables are left out.
///
/// Files it could not read are returned with why (`path: reason`): the candidates they might
/// have declared are missing, and the user should know.
pub fn candidates(
    root: &Path,
    vocab: &auditlint_core::Vocabulary,
) -> (Vec<Candidate>, Vec<String>) {
    let patterns = Patterns::new();
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut unread: Vec<String> = Vec::new();
    for entry in ignore::WalkBuilder::new(root)
        .follow_links(false)
        .require_git(false)
        .build()
    {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                unread.push(err.to_string());
                continue;
            }
        };
        // Directories and symlinks (never followed) are not read; anything else with a schema
        // or source extension is, and `open_regular` refuses what is not a regular file.
        if entry
            .file_type()
            .is_none_or(|t| t.is_dir() || t.is_symlink())
        {
            continue;
        }
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(
            ext,
            "sql"
                | "prisma"
                | "ts"
                | "tsx"
                | "mts"
                | "cts"
                | "js"
                | "mjs"
                | "cjs"
                | "rs"
                | "go"
                | "py"
        ) {
            continue;
        }
        let rel = crate::paths::slash(path.strip_prefix(root).unwrap_or(path));
        if entry.metadata().is_ok_and(|m| m.len() > 2 * 1024 * 1024) {
            unread.push(format!("{rel}: over 2 MiB, not read"));
            continue;
        }
        let text = match crate::read::open_regular(path).and_then(|mut file| {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut file, &mut text).map(|_| text)
        }) {
            Ok(text) => text,
            Err(err) => {
                unread.push(format!("{rel}: {err}"));
                continue;
            }
        };
        texts.push((rel, text));
    }
    texts.sort();

    let mut found: BTreeMap<String, Candidate> = BTreeMap::new();
    for (path, text) in &texts {
        for (name, at, columns, kind) in declarations(&patterns, path, text) {
            let key = name.to_lowercase();
            let line = text[..at].matches('\n').count() + 1;
            let entry = found.entry(key).or_insert_with(|| Candidate {
                name: name.clone(),
                declared: format!("{path}:{line} ({kind})"),
                columns: Vec::new(),
                audit_columns: Vec::new(),
                writes: 0,
                mutations: 0,
                score: 0,
            });
            for column in columns {
                if !entry.columns.contains(&column) {
                    entry.columns.push(column);
                }
            }
        }
    }
    // Write and mutation sites: code that inserts into the store, and code that updates or
    // deletes it (SQL text, query builders, model methods).
    for candidate in found.values_mut() {
        let snake = auditlint_core::vocab::to_snake(&candidate.name);
        let mut names = vec![regex::escape(&candidate.name), regex::escape(&snake)];
        names.dedup();
        let name = format!("(?:{})", names.join("|"));
        let q = r#"[`"'\[]?"#;
        // The names are escaped: these patterns always compile (a failure would only leave
        // the counts at zero, never stop the command).
        let re = |p: String| Regex::new(&format!("(?i){p}")).ok();
        let writes = re(format!(
            r"insert\s+(?:or\s+\w+\s+|ignore\s+)?into\s+(?:\w+\.)?{q}{name}\b|\binsert(?:_into|_or_ignore_into|Into)?\(\s*{q}{name}\b|\b{name}\s*\.\s*(?:create|createMany|insert|insertOne|insertMany|save|bulkCreate|add)\s*\(|\.from\(\s*{q}{name}{q}\s*\)\s*\.\s*(?:insert|upsert)|\b{name}::table\b|\b{name}\s*\.\s*objects\s*\.\s*(?:create|bulk_create)\s*\(|\.add\(\s*{name}\("
        ));
        let mutations = re(format!(
            r"\bupdate\s+(?:\w+\.)?{q}{name}{q}\s+set\b|delete\s+from\s+(?:\w+\.)?{q}{name}\b|\b(?:update|delete)\(\s*{q}{name}\b|\b{name}\s*\.\s*(?:update|updateMany|delete|deleteMany|destroy|upsert)\s*\(|\.from\(\s*{q}{name}{q}\s*\)\s*\.\s*(?:update|delete)|\b(?:update|delete)\({name}::table"
        ));
        for (path, text) in &texts {
            if path.ends_with(".sql") || path.ends_with(".prisma") {
                continue;
            }
            if let Some(w) = &writes {
                candidate.writes += w.find_iter(text).count();
            }
            if let Some(m) = &mutations {
                candidate.mutations += m.find_iter(text).count();
            }
        }
        candidate.audit_columns = candidate
            .columns
            .iter()
            .filter(|c| {
                auditlint_core::vocab::to_snake(c)
                    .split('_')
                    .any(|word| COLUMN_WORDS.contains(&word))
            })
            .cloned()
            .collect();
        candidate.score = score(candidate);
    }
    let mut out: Vec<Candidate> = found
        .into_values()
        // Some sign of an audit trail beyond being written: its name or its columns.
        .filter(|c| {
            let lower = auditlint_core::vocab::to_snake(&c.name);
            NAME_WORDS.iter().any(|w| lower.contains(w)) || c.audit_columns.len() >= 2
        })
        .filter(|c| c.score >= 3)
        .filter(|c| !vocab.is_audit_table(&c.name) && !vocab.is_audit_model(&c.name))
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.name.cmp(&b.name)));
    unread.sort();
    (out, unread)
}

fn score(c: &Candidate) -> u32 {
    let lower = auditlint_core::vocab::to_snake(&c.name);
    let mut score = 0;
    if NAME_WORDS.iter().any(|w| lower.contains(w)) {
        score += 3;
    }
    score += (c.audit_columns.len() as u32).min(4);
    if c.writes > 0 {
        score += 1;
        if c.mutations == 0 {
            // Append-only: written, never updated or deleted.
            score += 2;
        }
    }
    score
}

/// (name, byte offset, columns, kind) of every store `text` declares.
fn declarations(
    patterns: &Patterns,
    path: &str,
    text: &str,
) -> Vec<(String, usize, Vec<String>, &'static str)> {
    let mut out = Vec::new();
    // The declaration's body: from the brace a pattern ended on, or the next one.
    let body_after = |end: usize| -> Vec<String> {
        let from = if text[..end].ends_with('{') {
            end - 1
        } else {
            end
        };
        columns_in(&text[from..])
    };
    if path.ends_with(".sql") {
        for c in patterns.sql_table.captures_iter(text) {
            let (Some(all), Some(name)) = (c.get(0), c.get(1)) else {
                continue;
            };
            out.push((
                name.as_str().to_string(),
                all.start(),
                sql_columns(&text[all.end()..]),
                "CREATE TABLE",
            ));
        }
        return out;
    }
    if path.ends_with(".prisma") {
        for c in patterns.prisma_model.captures_iter(text) {
            let (Some(all), Some(name)) = (c.get(0), c.get(1)) else {
                continue;
            };
            out.push((
                name.as_str().to_string(),
                all.start(),
                body_after(all.end()),
                "Prisma model",
            ));
        }
        return out;
    }
    let mut push = |re: &Regex, kind: &'static str| {
        for c in re.captures_iter(text) {
            let Some(all) = c.get(0) else { continue };
            let name = c
                .iter()
                .skip(1)
                .flatten()
                .next()
                .map(|m| m.as_str().to_string());
            let name =
                match name {
                    Some(name) => name,
                    // `@Entity()` names the class that follows.
                    None if kind == "TypeORM @Entity" => {
                        let Some(class) = text[all.end()..].split("class ").nth(1).and_then(|r| {
                            r.split(|c: char| !c.is_alphanumeric() && c != '_').next()
                        }) else {
                            continue;
                        };
                        class.to_string()
                    }
                    None => continue,
                };
            out.push((name, all.start(), body_after(all.end()), kind));
        }
    };
    if path.ends_with(".py") {
        for (re, kind) in [
            (&patterns.sqlalchemy, "SQLAlchemy __tablename__"),
            (&patterns.django_model, "Django model"),
            (&patterns.django_table, "Django db_table"),
        ] {
            for c in re.captures_iter(text) {
                let (Some(all), Some(name)) = (c.get(0), c.get(1)) else {
                    continue;
                };
                out.push((
                    name.as_str().to_string(),
                    all.start(),
                    python_columns(text, all.end()),
                    kind,
                ));
            }
        }
        return out;
    }
    if path.ends_with(".go") {
        push(&patterns.gorm_table_name, "GORM TableName");
    } else if path.ends_with(".rs") {
        push(&patterns.diesel, "diesel table!");
        push(&patterns.sea_orm, "SeaORM entity");
    } else {
        push(&patterns.drizzle, "Drizzle table");
        push(&patterns.typeorm, "TypeORM @Entity");
        push(&patterns.sequelize, "Sequelize define");
        push(&patterns.table_name, "Sequelize tableName");
        push(&patterns.mongoose, "Mongoose model");
    }
    out
}

/// The fields of the Python class around a declaration: `actor = Column(..)`,
/// `actor: Mapped[str] = mapped_column(..)`, `actor = models.CharField(..)` lines of the class
/// body, from its `class` line (at or before `at`) to the next line that is not indented.
fn python_columns(text: &str, at: usize) -> Vec<String> {
    let start = text[..at].rfind("class ").unwrap_or(at);
    let mut columns = Vec::new();
    for (i, line) in text[start..].lines().enumerate() {
        if i == 0 {
            continue;
        }
        if !line.trim().is_empty() && !line.starts_with([' ', '\t']) {
            break;
        }
        let trimmed = line.trim();
        let ident: String = trimmed
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let rest = trimmed[ident.len()..].trim_start();
        let field = ["Column(", "Field(", "mapped_column(", "ForeignKey("]
            .iter()
            .any(|call| rest.contains(call));
        if !ident.is_empty()
            && !ident.starts_with("__")
            && (rest.starts_with('=') || rest.starts_with(':'))
            && field
        {
            columns.push(ident);
        }
        if columns.len() > 200 {
            break;
        }
    }
    columns
}

/// The column names in a `CREATE TABLE (..)` body: the first word of each top-level item.
fn sql_columns(after_paren: &str) -> Vec<String> {
    let mut depth = 1;
    let mut end = after_paren.len();
    for (i, c) in after_paren.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    end = i;
                    break;
                }
            }
            _ => {}
        }
    }
    let mut columns = Vec::new();
    let mut depth = 0;
    let mut item = String::new();
    for c in after_paren[..end].chars().chain(std::iter::once(',')) {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                let word = item
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .trim_matches(['`', '"', '[', ']'])
                    .to_string();
                let keyword = matches!(
                    word.to_ascii_uppercase().as_str(),
                    "PRIMARY"
                        | "FOREIGN"
                        | "UNIQUE"
                        | "CONSTRAINT"
                        | "CHECK"
                        | "KEY"
                        | "INDEX"
                        | ""
                );
                if !keyword {
                    columns.push(word);
                }
                item.clear();
                continue;
            }
            _ => {}
        }
        item.push(c);
    }
    columns
}

/// Field names in the declaration body that follows (`{ actorId: .., action: .. }`, a Prisma
/// model's lines, a diesel `table!`'s `name -> Type`): identifiers followed by `:` or `->`, or
/// starting a Prisma field line, within the first balanced `{ .. }`.
fn columns_in(rest: &str) -> Vec<String> {
    let Some(open) = rest.find('{') else {
        return Vec::new();
    };
    if rest[..open].len() > 400 {
        return Vec::new();
    }
    let mut depth = 0;
    let mut end = rest.len();
    for (i, c) in rest[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    end = open + i;
                    break;
                }
            }
            _ => {}
        }
    }
    let body = &rest[open + 1..end.min(rest.len())];
    let mut columns = Vec::new();
    for line in body.lines() {
        let line = line.trim();
        let line = line.strip_prefix("pub ").unwrap_or(line);
        let ident: String = line
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            continue;
        }
        let after = line[ident.len()..].trim_start();
        let prisma_field = after.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        if after.starts_with(':') || after.starts_with("->") || prisma_field {
            columns.push(ident);
        }
    }
    columns
}

/// The `auditlint.toml` lines declaring `tables`.
pub fn toml_for(tables: &[String]) -> String {
    let list: Vec<String> = tables.iter().map(|t| format!("{t:?}")).collect();
    format!(
        "[sinks]\n# Written by `auditlint init` from the project's schema: this project's audit stores.\nextend-tables = [{}]\n",
        list.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_columns_skip_constraints() {
        assert_eq!(
            sql_columns(
                "id INTEGER PRIMARY KEY, actor_id TEXT, action TEXT, PRIMARY KEY (id), FOREIGN KEY (actor_id) REFERENCES users(id));"
            ),
            vec!["id", "actor_id", "action"]
        );
    }

    #[test]
    fn gorm_table_name_methods_declare_tables() {
        let text = "package m\n\ntype TierEvent struct {\n\tID uint\n}\n\nfunc (TierEvent) TableName() string {\n\treturn \"tier_events\"\n}\n\nfunc (e *Other) TableName() string { return \"others\" }\n";
        let found: Vec<(String, &str)> = declarations(&Patterns::new(), "models/tier.go", text)
            .into_iter()
            .map(|(name, _, _, kind)| (name, kind))
            .collect();
        assert_eq!(
            found,
            vec![
                ("tier_events".to_string(), "GORM TableName"),
                ("others".to_string(), "GORM TableName")
            ]
        );
    }
}
