//! What the fuzz targets share: the thread they run the front ends on, and the small project
//! the `engine` target writes each input into.
//!
//! Any panic is a crash: libFuzzer's panic hook aborts before the engine's per-file
//! `catch_unwind` could turn it into an `errors` entry, so a contained panic is found too.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Runs `f` on a one-thread rayon pool built like the engine's (rayon's default stack, not
/// libFuzzer's main thread's 8 MiB): a front end recursing deeper than a worker allows
/// overflows here as it would in a run. Files the front ends move to big-stack threads of their
/// own (every Rust file, TypeScript files over 8,000 lines) go there from this thread too.
pub fn on_worker<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "auditlint-fuzz-worker".into())
            .build()
            .expect("a one-thread pool")
    })
    .install(f)
}

/// Saves the input about to run to `$AUDITLINT_FUZZ_CURRENT`, if set, so that `bench/fuzz.sh`
/// can keep it when the process dies without libFuzzer's crash handler writing it: a stack
/// overflow has no alternate signal stack to be reported on (std's runtime, which sets one up,
/// does not start under libFuzzer's `main`), and the kernel's OOM killer leaves no trace. The
/// harness runs tens of inputs a second, so one small write each costs nothing measurable.
pub fn remember(data: &[u8]) {
    static PATH: OnceLock<Option<PathBuf>> = OnceLock::new();
    if let Some(path) =
        PATH.get_or_init(|| std::env::var_os("AUDITLINT_FUZZ_CURRENT").map(PathBuf::from))
    {
        let _ = std::fs::write(path, data);
    }
}

/// Separates the parts of an `engine` input: the first file, the second, the configuration.
pub const PART_SEPARATOR: u8 = 0x1e;

/// The files of an `engine` input, chosen by its first byte (see [`layout`]).
pub struct Layout {
    pub files: [&'static str; 2],
    /// Also build the inventory, and replay the first file as an editor would (open an edited
    /// version, then the whole text) through the language server's workspace.
    pub editor_and_inventory: bool,
}

/// `T`/`t`: two TypeScript files; `X`/`x`: TSX and JavaScript; `R`/`r`: two Rust files of one
/// crate; `M`/`m`: TypeScript and Rust. Lowercase adds the inventory and the editor replay; any
/// other byte picks by its value.
pub fn layout(selector: u8) -> Layout {
    let files = match selector.to_ascii_uppercase() {
        b'T' => ["src/audit.ts", "src/handler.ts"],
        b'X' => ["src/app.tsx", "lib/util.js"],
        b'R' => ["src/lib.rs", "src/audit.rs"],
        b'M' => ["src/index.ts", "src/lib.rs"],
        other => match other % 4 {
            0 => ["src/audit.ts", "src/handler.ts"],
            1 => ["src/app.tsx", "lib/util.js"],
            2 => ["src/lib.rs", "src/audit.rs"],
            _ => ["src/index.ts", "src/lib.rs"],
        },
    };
    Layout {
        files,
        editor_and_inventory: selector.is_ascii_lowercase(),
    }
}

/// A fresh, empty project directory for this process (the same one for every input).
pub fn project_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::var_os("AUDITLINT_FUZZ_TMP")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("auditlint-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the fuzz project directory");
        dir.canonicalize().expect("canonical project directory")
    })
}

/// Empties the project directory and writes `files` (relative path, bytes) into it.
pub fn write_project(dir: &Path, files: &[(&str, &[u8])]) {
    for entry in std::fs::read_dir(dir).expect("read the project directory") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path).expect("clear a directory");
        } else {
            std::fs::remove_file(&path).expect("clear a file");
        }
    }
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, bytes).expect("write a project file");
    }
}

/// The edited text an editor sends first: `text` with its middle third cut out (at character
/// boundaries), so that the second, whole text is an incremental re-parse across a real edit.
pub fn cut_middle(text: &str) -> String {
    let boundary = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (a, b) = (boundary(text.len() / 3), boundary(2 * text.len() / 3));
    format!("{}{}", &text[..a], &text[b..])
}
