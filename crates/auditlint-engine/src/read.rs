//! Reading a source file once, refusing what cannot be checked with a reason.

use std::io::Read;
use std::path::Path;

/// The file's text, or why it is not checked.
pub fn read_source(path: &Path, max_size: u64) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > max_size {
        return Err(format!(
            "skipped: {size} bytes is over the {max_size}-byte limit (`[files] max-file-size`)"
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(max_size + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max_size {
        return Err(format!(
            "skipped: over the {max_size}-byte limit (`[files] max-file-size`)"
        ));
    }
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err("skipped: binary file (contains NUL bytes)".into());
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..valid]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        format!("skipped: not valid UTF-8 (first invalid byte on line {line})")
    })
}
