//! Between the engine's findings and the protocol: URIs, positions in the negotiated encoding.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// How the client counts columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// The column of byte `offset` within `line` (a line's text), in this encoding.
    pub fn column(self, line: &str, offset: usize) -> u32 {
        let prefix = line.get(..offset.min(line.len())).unwrap_or(line);
        let units = match self {
            Encoding::Utf8 => prefix.len(),
            Encoding::Utf16 => prefix.encode_utf16().count(),
        };
        u32::try_from(units).unwrap_or(u32::MAX)
    }

    /// The byte offset in `line` of a column in this encoding.
    pub fn offset(self, line: &str, column: u32) -> usize {
        let column = column as usize;
        match self {
            Encoding::Utf8 => column.min(line.len()),
            Encoding::Utf16 => {
                let mut units = 0;
                for (i, c) in line.char_indices() {
                    if units >= column {
                        return i;
                    }
                    units += c.len_utf16();
                }
                line.len()
            }
        }
    }
}

/// The LSP position of byte `offset` in `text`, whose line index is `index`.
pub fn position(
    text: &str,
    index: &auditlint_core::LineIndex,
    offset: usize,
    encoding: Encoding,
) -> lsp_types::Position {
    let offset = offset.min(text.len());
    let line = index.line_of(offset);
    let line_start = index.line_start(line);
    let line_text = index.line_text(text, line);
    lsp_types::Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        character: encoding.column(line_text, offset.saturating_sub(line_start)),
    }
}

pub fn range(
    text: &str,
    index: &auditlint_core::LineIndex,
    start: usize,
    end: usize,
    encoding: Encoding,
) -> lsp_types::Range {
    lsp_types::Range {
        start: position(text, index, start, encoding),
        end: position(text, index, end, encoding),
    }
}

/// `file:///a%20b/c.ts` → `/a b/c.ts`; `None` for other schemes.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = rest.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    let path = String::from_utf8(out).ok()?;
    // `file://localhost/x` and `file:///x` both name `/x`.
    let path = path.strip_prefix("localhost").unwrap_or(&path);
    Some(PathBuf::from(path))
}

/// `/a b/c.ts` → `file:///a%20b/c.ts`.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    let mut encoded = String::with_capacity(text.len() + 8);
    encoded.push_str("file://");
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(byte as char);
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    Uri::from_str(&encoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let line = "a😀b";
        assert_eq!(Encoding::Utf16.column(line, 5), 3);
        assert_eq!(Encoding::Utf8.column(line, 5), 5);
        assert_eq!(Encoding::Utf16.offset(line, 3), 5);
    }

    #[test]
    fn uris_round_trip() {
        let path = Path::new("/tmp/a b/ü.ts");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/%C3%BC.ts");
        assert_eq!(uri_to_path(&uri).unwrap(), path);
    }

    #[test]
    fn positions() {
        let text = "x\n  é😀y\n";
        let offset = text.find('y').unwrap();
        let index = auditlint_core::LineIndex::new(text);
        assert_eq!(
            position(text, &index, offset, Encoding::Utf16),
            lsp_types::Position {
                line: 1,
                character: 5
            }
        );
    }
}
