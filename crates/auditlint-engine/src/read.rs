//! Reading a source file once, refusing what cannot be checked with a reason.

use std::io::Read;
use std::path::Path;

use crate::generated;

/// Why a file's text is not analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    /// Generated or minified code: skipped and counted, never an error.
    Generated(String),
    /// It could not be checked: an error naming the file.
    Problem(String),
}

/// How much of a file decides whether it is binary (git and ripgrep look at as much).
const BINARY_SNIFF: usize = 8192;

/// The file's text, or why it is not analysed.
/// Opens `path` for reading only if it is a regular file. A FIFO would block `open` (or every
/// read) forever, a device may never end: so it is opened without blocking and checked on the
/// open descriptor itself, which no swap of the path between a check and the open can fool.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a
        // writer. It changes nothing for a regular file.
        options.custom_flags(0o4000);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a directory, FIFO, socket or device); it was not read",
        ));
    }
    Ok(file)
}

pub fn read_source(path: &Path, max_size: u64) -> Result<String, Unread> {
    let cannot_read = |e: std::io::Error| Unread::Problem(format!("cannot read: {e}"));
    let mut file = open_regular(path).map_err(cannot_read)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > max_size {
        // A bundle over the limit is generated code, not a file the user must hear about.
        let mut prefix = vec![0; BINARY_SNIFF];
        let read = file.read(&mut prefix).map_err(cannot_read)?;
        if let Some(reason) = generated::by_prefix(&prefix[..read]) {
            return Err(Unread::Generated(reason));
        }
        return Err(Unread::Problem(format!(
            "skipped: {size} bytes is over the {max_size}-byte limit (`[files] max-file-size`)"
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(max_size + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > max_size {
        return Err(Unread::Problem(format!(
            "skipped: over the {max_size}-byte limit (`[files] max-file-size`)"
        )));
    }
    let text = decode(bytes).map_err(Unread::Problem)?;
    match generated::by_content(path, &text) {
        Some(reason) => Err(Unread::Generated(reason)),
        None => Ok(text),
    }
}

/// One rule for text and binary, as git and ripgrep have: a file is binary when more than one
/// byte in ten of its first 8 KiB is a control character (NUL included) other than the
/// whitespace ones; otherwise it is text if it is valid UTF-8 — a NUL inside a string literal of
/// an otherwise ordinary file does not make it binary.
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let head = &bytes[..bytes.len().min(BINARY_SNIFF)];
    // Counted in blocks with a narrow counter: the compiler turns this into vector compares
    // (a byte-at-a-time count was 40 % of a cached run's instructions).
    let control: usize = head
        .chunks(255)
        .map(|block| usize::from(block.iter().map(|&b| u8::from(is_control(b))).sum::<u8>()))
        .sum();
    if control * 10 > head.len() {
        return Err(
            "skipped: binary file (control bytes in its first 8 KiB), not source text".into(),
        );
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

/// A C0 control byte or DEL, except tab, newline, vertical tab, form feed, carriage return and
/// escape (which real text files contain).
fn is_control(b: u8) -> bool {
    matches!(b, 0x00..=0x08 | 0x0e..=0x1a | 0x1c..=0x1f | 0x7f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_in_text_is_text_and_control_bytes_are_binary() {
        let text = b"const sep = \"\x00\";\nexport const audit = 1;\n".to_vec();
        assert!(decode(text).is_ok());
        let blob = b"audit\x00\x01\x02\x03".to_vec();
        assert!(decode(blob).unwrap_err().contains("binary"));
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
        png.extend_from_slice(&[0u8; 64]);
        assert!(decode(png).unwrap_err().contains("binary"));
        let latin1 = b"// audit \xe9t\xe9\n".to_vec();
        assert!(decode(latin1).unwrap_err().contains("not valid UTF-8"));
    }
}
