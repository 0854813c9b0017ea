//! Finding `INSERT INTO <table>` in SQL text, without a SQL parser.

/// The table of the first `INSERT [OR …|IGNORE] INTO <table>` in `text`.
pub fn insert_table(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("insert") {
        let at = from + found;
        from = at + 6;
        if at > 0 && is_word(bytes[at - 1]) {
            continue;
        }
        let mut cursor = Cursor { text, at: at + 6 };
        if !cursor.space() {
            continue;
        }
        // `INSERT OR REPLACE INTO`, `INSERT IGNORE INTO`, `INSERT LOW_PRIORITY INTO`.
        let mut words = 0;
        let found_into = loop {
            let word = cursor.word();
            if word.eq_ignore_ascii_case("into") {
                break true;
            }
            words += 1;
            if word.is_empty() || words > 2 || !cursor.space() {
                break false;
            }
        };
        if !found_into || !cursor.space() {
            continue;
        }
        if let Some(table) = cursor.table_name() {
            return Some(table);
        }
    }
    None
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

struct Cursor<'t> {
    text: &'t str,
    at: usize,
}

impl Cursor<'_> {
    /// Skips whitespace; true when there was some.
    fn space(&mut self) -> bool {
        let start = self.at;
        while self
            .text
            .as_bytes()
            .get(self.at)
            .is_some_and(u8::is_ascii_whitespace)
        {
            self.at += 1;
        }
        self.at > start
    }

    fn word(&mut self) -> &str {
        let start = self.at;
        while self
            .text
            .as_bytes()
            .get(self.at)
            .copied()
            .is_some_and(is_word)
        {
            self.at += 1;
        }
        &self.text[start..self.at]
    }

    /// `audit_logs`, `public.audit_logs`, `"audit logs"`, `` `audit` ``, `[dbo].[audit]`.
    fn table_name(&mut self) -> Option<String> {
        let mut name = String::new();
        loop {
            let open = *self.text.as_bytes().get(self.at)?;
            let close = match open {
                b'"' => Some(b'"'),
                b'`' => Some(b'`'),
                b'[' => Some(b']'),
                _ => None,
            };
            if let Some(close) = close {
                let rest = &self.text.as_bytes()[self.at + 1..];
                let len = rest.iter().position(|&b| b == close)?;
                name.push_str(&self.text[self.at + 1..self.at + 1 + len]);
                self.at += len + 2;
            } else {
                let word = self.word();
                if word.is_empty() {
                    break;
                }
                name.push_str(word);
            }
            if self.text.as_bytes().get(self.at) == Some(&b'.') {
                name.push('.');
                self.at += 1;
            } else {
                break;
            }
        }
        (!name.is_empty()).then_some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::insert_table;

    #[test]
    fn finds_insert_tables() {
        let cases = [
            (
                "INSERT INTO staff_audit_logs (a) VALUES (?)",
                Some("staff_audit_logs"),
            ),
            (
                "insert or replace into audit_log values (1)",
                Some("audit_log"),
            ),
            ("INSERT IGNORE INTO `audit`", Some("audit")),
            (
                "INSERT INTO public.\"audit_events\" (x)",
                Some("public.audit_events"),
            ),
            ("\n  INSERT\n  INTO tier_events(x)", Some("tier_events")),
            ("SELECT * FROM audit_logs", None),
            ("reinsert into x", None),
        ];
        for (sql, table) in cases {
            assert_eq!(insert_table(sql).as_deref(), table, "{sql}");
        }
    }
}
