//! `package.json` and `tsconfig.json`: the data module resolution needs.

use std::collections::BTreeMap;

use auditlint_core::resolve::{Package, TsConfig, join};
use serde_json::Value;

/// Parses JSON with comments and trailing commas (tsconfig files have both).
pub fn parse_jsonc(text: &str) -> Result<Value, String> {
    let options = jsonc_parser::ParseOptions::default();
    jsonc_parser::parse_to_serde_value::<Value>(text, &options).map_err(|err| err.to_string())
}

/// A workspace package from its `package.json` at `dir` (project-relative).
pub fn package(dir: &str, json: &Value) -> Option<Package> {
    let name = json.get("name")?.as_str()?.to_string();
    let mut exports = BTreeMap::new();
    match json.get("exports") {
        Some(Value::String(target)) => {
            exports.insert(".".to_string(), target.clone());
        }
        Some(Value::Object(map)) => {
            let subpaths = map.keys().any(|k| k.starts_with('.'));
            if subpaths {
                for (key, value) in map {
                    if let Some(target) = pick_condition(value) {
                        exports.insert(key.clone(), target);
                    }
                }
            } else if let Some(target) = pick_condition(&Value::Object(map.clone())) {
                exports.insert(".".to_string(), target);
            }
        }
        _ => {}
    }
    let entries = ["source", "types", "typings", "module", "main"]
        .iter()
        .filter_map(|k| json.get(*k)?.as_str().map(str::to_string))
        .collect();
    Some(Package {
        name,
        dir: dir.to_string(),
        exports,
        entries,
    })
}

/// The target of an `exports` entry: a string, or the first usable condition.
fn pick_condition(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) => [
            "source", "types", "import", "module", "default", "require", "node",
        ]
        .iter()
        .find_map(|k| map.get(*k).and_then(pick_condition)),
        Value::Array(items) => items.iter().find_map(pick_condition),
        _ => None,
    }
}

/// `compilerOptions.baseUrl` and `paths` of a tsconfig at `dir`.
pub fn tsconfig(dir: &str, json: &Value) -> TsConfig {
    let options = json.get("compilerOptions");
    let base_url = options
        .and_then(|o| o.get("baseUrl"))
        .and_then(Value::as_str)
        .map(|b| join(dir, b));
    let paths = options
        .and_then(|o| o.get("paths"))
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(pattern, targets)| {
                    let targets = targets
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|t| t.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    (pattern.clone(), targets)
                })
                .collect()
        })
        .unwrap_or_default();
    TsConfig {
        dir: dir.to_string(),
        base_url,
        paths,
    }
}

/// The module path a `go.mod` declares (`module github.com/acme/api`).
pub fn go_module(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("module")?;
        let path = rest.trim().trim_matches('"');
        (rest.starts_with(char::is_whitespace) && !path.is_empty()).then(|| path.to_string())
    })
}

/// The packages a `pyproject.toml` maps to directories other than their own name, as
/// (directory relative to the file, package): setuptools' `[tool.setuptools.package-dir]`
/// (`mypkg = "lib"`; the root entry `"" = "src"` is a source root, which module names found from
/// paths already cover) and Poetry's `packages = [{ include = "mypkg", from = "lib" }]` (a
/// package in `lib/mypkg`, also covered). `Err` for TOML that does not parse.
pub fn python_package_dirs(text: &str) -> Result<Vec<(String, String)>, String> {
    let value: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let mut dirs = Vec::new();
    let tool = value.get("tool").and_then(toml::Value::as_table);
    if let Some(package_dir) = tool
        .and_then(|t| t.get("setuptools"))
        .and_then(|s| s.get("package-dir"))
        .and_then(toml::Value::as_table)
    {
        for (package, dir) in package_dir {
            if let Some(dir) = dir.as_str()
                && !package.is_empty()
                && package.split('.').all(is_python_identifier)
            {
                let dir = dir.trim_start_matches("./").trim_end_matches('/');
                dirs.push((dir.to_string(), package.clone()));
            }
        }
    }
    dirs.sort();
    Ok(dirs)
}

fn is_python_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

#[cfg(test)]
mod python_tests {
    #[test]
    fn setuptools_package_dirs_that_rename() {
        let text = "[project]\nname = \"acme-billing\"\n\n[tool.setuptools.package-dir]\n\"\" = \"src\"\nbilling = \"lib/billing_impl\"\n\"billing.audit\" = \"./audit/\"\n\"not a name\" = \"x\"\n";
        assert_eq!(
            super::python_package_dirs(text).unwrap(),
            [
                ("audit".to_string(), "billing.audit".to_string()),
                ("lib/billing_impl".to_string(), "billing".to_string()),
            ]
        );
        assert_eq!(
            super::python_package_dirs("[project]\nname = \"x\"\n").unwrap(),
            []
        );
        assert!(super::python_package_dirs("[tool.setuptools\n").is_err());
    }
}

#[cfg(test)]
mod go_tests {
    #[test]
    fn module_path_from_go_mod() {
        assert_eq!(
            super::go_module("// x\nmodule github.com/acme/api\n\ngo 1.22\n").as_deref(),
            Some("github.com/acme/api")
        );
        assert_eq!(super::go_module("go 1.22\n"), None);
    }
}
