//! Finding the project around the checked paths, and its configuration.

use std::path::{Path, PathBuf};

use auditlint_core::Config;

use crate::EngineError;

pub const CONFIG_FILE: &str = "auditlint.toml";

/// The project: its root directory and its effective configuration.
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    /// The configuration file in use, if any.
    pub config_file: Option<PathBuf>,
    /// The text that configuration was parsed from (empty without a file): part of the facts
    /// cache's key, so the cache never reads the file a second time.
    pub config_text: String,
}

/// The nearest `auditlint.toml` upward from `start`, stopping at the repository root (a
/// directory with `.git`); the root is that file's directory, else the repository root, else
/// `start` itself. `--config FILE` names the file (and so the root) explicitly.
pub fn find_project(start: &Path, explicit_config: Option<&Path>) -> Result<Project, EngineError> {
    let known = auditlint_rules::rule_ids();
    if let Some(file) = explicit_config {
        let (config, config_text) = load_config(file, &known)?;
        let root = start.to_path_buf();
        return Ok(Project {
            root,
            config,
            config_file: Some(file.to_path_buf()),
            config_text,
        });
    }
    let mut dir = Some(start);
    while let Some(current) = dir {
        let candidate = current.join(CONFIG_FILE);
        // Anything by that name is the configuration: a directory, FIFO or device there is an
        // error to report (see `load_config`), never a reason to fall back to the defaults.
        if std::fs::symlink_metadata(&candidate).is_ok() {
            let (config, config_text) = load_config(&candidate, &known)?;
            return Ok(Project {
                root: current.to_path_buf(),
                config,
                config_file: Some(candidate),
                config_text,
            });
        }
        if current.join(".git").exists() {
            return Ok(Project {
                root: current.to_path_buf(),
                config: Config::defaults(&known),
                config_file: None,
                config_text: String::new(),
            });
        }
        dir = current.parent();
    }
    Ok(Project {
        root: start.to_path_buf(),
        config: Config::defaults(&known),
        config_file: None,
        config_text: String::new(),
    })
}

/// The configuration in `path`, and the text it was parsed from.
fn load_config(path: &Path, known: &[&str]) -> Result<(Config, String), EngineError> {
    let text = read_regular(path).map_err(|source| EngineError::Io {
        path: path.display().to_string(),
        message: source.to_string(),
    })?;
    let shown = path.display().to_string();
    let config = Config::parse(Some((&text, &shown)), known).map_err(EngineError::Config)?;
    Ok((config, text))
}

/// A regular file's text (never a FIFO's or a device's: see [`crate::read::open_regular`]).
pub(crate) fn read_regular(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    crate::read::open_regular(path)?.read_to_string(&mut text)?;
    Ok(text)
}
