//! Module resolution over data the engine collected: relative paths, `index` files,
//! `package.json` names and `exports` (workspaces), `tsconfig.json` `baseUrl`/`paths`.
//!
//! Pure: every path is a project-relative string with `/` separators.

use std::collections::{BTreeMap, HashSet};

/// Extensions tried, in order, for an extensionless specifier.
const EXTENSIONS: &[&str] = &[".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

/// A workspace package: `package.json` at `dir`.
#[derive(Debug, Clone, Default)]
pub struct Package {
    pub name: String,
    pub dir: String,
    /// `exports` subpath (`.`, `./utils`) → target, after picking a condition.
    pub exports: BTreeMap<String, String>,
    /// `main`, `module`, `types`, `source`: entry candidates without `exports`.
    pub entries: Vec<String>,
}

/// A `tsconfig.json` at `dir` with its `compilerOptions`.
#[derive(Debug, Clone, Default)]
pub struct TsConfig {
    pub dir: String,
    /// Resolved against `dir`.
    pub base_url: Option<String>,
    /// Pattern (may contain one `*`) → targets (relative to `base_url`, or `dir` without it).
    pub paths: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Default)]
pub struct Resolver {
    files: HashSet<String>,
    packages: Vec<Package>,
    tsconfigs: Vec<TsConfig>,
    /// Go modules: (directory of `go.mod`, module path), deepest directory first.
    go_modules: Vec<(String, String)>,
    /// Python packages declared in a directory not named after them (`pyproject.toml`'s
    /// `[tool.setuptools.package-dir]`): (directory, dotted package), deepest directory first.
    python_packages: Vec<(String, String)>,
    /// Resolutions by (importing directory, specifier): every file of a directory shares them.
    memo: std::sync::Mutex<std::collections::HashMap<(String, String), Option<String>>>,
}

impl Resolver {
    pub fn new(
        files: impl IntoIterator<Item = String>,
        packages: Vec<Package>,
        mut tsconfigs: Vec<TsConfig>,
    ) -> Self {
        // Deepest first, so the nearest config wins.
        tsconfigs.sort_by(|a, b| b.dir.len().cmp(&a.dir.len()).then(a.dir.cmp(&b.dir)));
        Self {
            files: files.into_iter().collect(),
            packages,
            tsconfigs,
            go_modules: Vec::new(),
            python_packages: Vec::new(),
            memo: std::sync::Mutex::default(),
        }
    }

    /// The Go modules of the project: each `go.mod`'s directory and its `module` path.
    pub fn with_go_modules(mut self, mut modules: Vec<(String, String)>) -> Self {
        modules.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        self.go_modules = modules;
        self
    }

    /// The Python packages `pyproject.toml` files put in directories of other names.
    pub fn with_python_packages(mut self, mut packages: Vec<(String, String)>) -> Self {
        packages.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        self.python_packages = packages;
        self
    }

    /// The dotted module a Python file is, when it lies in a directory a `pyproject.toml` maps
    /// to a package (`lib/billing_impl/audit.py` with `billing = "lib/billing_impl"` →
    /// `billing.audit`).
    pub fn python_declared_module(&self, path: &str) -> Option<String> {
        let (dir, package) = self
            .python_packages
            .iter()
            .find(|(dir, _)| path.starts_with(&format!("{dir}/")))?;
        let rest = &path[dir.len() + 1..];
        let rest = rest
            .strip_suffix(".pyi")
            .or_else(|| rest.strip_suffix(".py"))?;
        let rest = rest
            .strip_suffix("__init__")
            .unwrap_or(rest)
            .trim_end_matches('/');
        Some(if rest.is_empty() {
            package.clone()
        } else {
            format!("{package}.{}", rest.replace('/', "."))
        })
    }

    /// The directory of the Go package `import_path` imported from the file `from`, when it is
    /// a package of `from`'s module (the nearest `go.mod` above it).
    pub fn go_package_dir(&self, from: &str, import_path: &str) -> Option<String> {
        let (dir, module) = self
            .go_modules
            .iter()
            .find(|(dir, _)| dir.is_empty() || from.starts_with(&format!("{dir}/")))?;
        let rest = if import_path == module {
            ""
        } else {
            import_path
                .strip_prefix(module.as_str())?
                .strip_prefix('/')?
        };
        Some(join(dir, rest))
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    /// The file `specifier` names when imported from `from`, if it is in the project.
    pub fn resolve(&self, from: &str, specifier: &str) -> Option<String> {
        let key = (parent(from).to_string(), specifier.to_string());
        if let Ok(memo) = self.memo.lock()
            && let Some(known) = memo.get(&key)
        {
            return known.clone();
        }
        let resolved = self.resolve_uncached(from, specifier);
        if let Ok(mut memo) = self.memo.lock() {
            memo.insert(key, resolved.clone());
        }
        resolved
    }

    fn resolve_uncached(&self, from: &str, specifier: &str) -> Option<String> {
        if specifier.starts_with("./") || specifier.starts_with("../") || specifier == "." {
            return self.try_module(&join(parent(from), specifier));
        }
        if specifier.starts_with('/') {
            return None;
        }
        // `require(path.join(process.cwd(), "src/audit"))`: the program's working directory,
        // which is its package's folder, or the project root.
        if let Some(rest) = specifier.strip_prefix("cwd:") {
            let mut dirs: Vec<&str> = self
                .packages
                .iter()
                .map(|p| p.dir.as_str())
                .filter(|dir| dir.is_empty() || from.starts_with(&format!("{dir}/")))
                .collect();
            dirs.sort_by_key(|d| std::cmp::Reverse(d.len()));
            dirs.push("");
            return dirs
                .into_iter()
                .find_map(|dir| self.try_module(&join(dir, &format!("./{rest}"))));
        }
        self.resolve_tsconfig(from, specifier)
            .or_else(|| self.resolve_package(specifier))
    }

    fn resolve_tsconfig(&self, from: &str, specifier: &str) -> Option<String> {
        let config = self
            .tsconfigs
            .iter()
            .find(|c| c.dir.is_empty() || from.starts_with(&format!("{}/", c.dir)))?;
        let base = config
            .base_url
            .clone()
            .unwrap_or_else(|| config.dir.clone());
        for (pattern, targets) in &config.paths {
            let captured = match pattern.split_once('*') {
                Some((prefix, suffix)) => specifier
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.strip_suffix(suffix)),
                None => (pattern == specifier).then_some(""),
            };
            let Some(captured) = captured else { continue };
            for target in targets {
                let target = target.replacen('*', captured, 1);
                if let Some(found) = self.try_module(&join(&base, &target)) {
                    return Some(found);
                }
            }
        }
        config
            .base_url
            .as_ref()
            .and_then(|base| self.try_module(&join(base, specifier)))
    }

    fn resolve_package(&self, specifier: &str) -> Option<String> {
        let package = self.packages.iter().find(|p| {
            specifier == p.name
                || specifier
                    .strip_prefix(p.name.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })?;
        let rest = &specifier[package.name.len()..];
        let subpath = if rest.is_empty() {
            ".".to_string()
        } else {
            format!(".{rest}")
        };
        let mut candidates: Vec<String> = Vec::new();
        if let Some(target) = package.exports.get(&subpath) {
            candidates.push(target.clone());
        }
        for (pattern, target) in &package.exports {
            if let Some((prefix, suffix)) = pattern.split_once('*')
                && let Some(captured) = subpath
                    .strip_prefix(prefix)
                    .and_then(|r| r.strip_suffix(suffix))
            {
                candidates.push(target.replacen('*', captured, 1));
            }
        }
        if subpath == "." {
            candidates.extend(package.entries.iter().cloned());
            candidates.extend(["src/index".to_string(), "index".to_string()]);
        } else {
            candidates.push(subpath.clone());
            candidates.push(format!("src/{}", &subpath[2..]));
        }
        candidates.iter().find_map(|target| {
            let path = join(&package.dir, target);
            self.try_module(&path)
                .or_else(|| self.try_module(&built_to_source(&path)?))
        })
    }

    /// A module path → the file: exact, with an extension, `.js` written for `.ts`, or `/index`.
    fn try_module(&self, path: &str) -> Option<String> {
        if self.files.contains(path) {
            return Some(path.to_string());
        }
        let stem = strip_script_extension(path);
        for base in [stem, path].into_iter().collect::<Vec<_>>() {
            for ext in EXTENSIONS {
                let candidate = format!("{base}{ext}");
                if self.files.contains(&candidate) {
                    return Some(candidate);
                }
            }
        }
        for ext in EXTENSIONS {
            let candidate = if path.is_empty() {
                format!("index{ext}")
            } else {
                format!("{path}/index{ext}")
            };
            if self.files.contains(&candidate) {
                return Some(candidate);
            }
        }
        None
    }
}

fn strip_script_extension(path: &str) -> &str {
    for ext in [".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"] {
        if let Some(stem) = path.strip_suffix(ext) {
            return stem.strip_suffix(".d").unwrap_or(stem);
        }
    }
    path
}

/// `pkg/dist/index.js` → `pkg/src/index`: a package's built entry mapped back to its source.
fn built_to_source(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    let at = parts
        .iter()
        .position(|p| matches!(*p, "dist" | "build" | "lib" | "out" | "esm" | "cjs"))?;
    let mut mapped: Vec<&str> = parts[..at].to_vec();
    mapped.push("src");
    let rest = &parts[at + 1..];
    // `dist/esm/index.js` → `src/index`
    let rest: Vec<&str> = rest
        .iter()
        .copied()
        .skip_while(|p| matches!(*p, "esm" | "cjs" | "types"))
        .collect();
    mapped.extend(rest);
    Some(strip_script_extension(&mapped.join("/")).to_string())
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Joins and normalises `.`/`..` segments; never climbs above the project root.
pub fn join(base: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = if relative.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver() -> Resolver {
        let files = [
            "apps/web/src/lib/tier.ts",
            "apps/web/src/lib/index.ts",
            "apps/web/src/routes/a.ts",
            "packages/db/src/index.ts",
            "packages/db/src/audit.ts",
            "cloudflare/src/job.ts",
        ]
        .map(String::from);
        let packages = vec![Package {
            name: "@acme/db".into(),
            dir: "packages/db".into(),
            exports: BTreeMap::from([
                (".".into(), "./dist/index.js".into()),
                ("./audit".into(), "./src/audit.ts".into()),
            ]),
            entries: vec![],
        }];
        let tsconfigs = vec![TsConfig {
            dir: "apps/web".into(),
            base_url: Some("apps/web".into()),
            paths: vec![("@/*".into(), vec!["src/*".into()])],
        }];
        Resolver::new(files, packages, tsconfigs)
    }

    #[test]
    fn relative_index_and_js_extension() {
        let r = resolver();
        assert_eq!(
            r.resolve("apps/web/src/routes/a.ts", "../lib/tier.js")
                .as_deref(),
            Some("apps/web/src/lib/tier.ts")
        );
        assert_eq!(
            r.resolve("apps/web/src/routes/a.ts", "../lib").as_deref(),
            Some("apps/web/src/lib/index.ts")
        );
    }

    #[test]
    fn go_packages_by_import_path_within_the_module() {
        let r = Resolver::new(Vec::<String>::new(), vec![], vec![]).with_go_modules(vec![
            ("services/api".into(), "github.com/acme/api".into()),
            (String::new(), "github.com/acme/root".into()),
        ]);
        assert_eq!(
            r.go_package_dir(
                "services/api/cmd/main.go",
                "github.com/acme/api/internal/audit"
            )
            .as_deref(),
            Some("services/api/internal/audit")
        );
        assert_eq!(
            r.go_package_dir("tools/x.go", "github.com/acme/root/pkg")
                .as_deref(),
            Some("pkg")
        );
        assert_eq!(
            r.go_package_dir("services/api/a.go", "github.com/other/lib"),
            None
        );
        assert_eq!(
            r.go_package_dir("services/api/a.go", "github.com/acme/apix"),
            None
        );
    }

    #[test]
    fn tsconfig_paths_and_packages() {
        let r = resolver();
        assert_eq!(
            r.resolve("apps/web/src/routes/a.ts", "@/lib/tier")
                .as_deref(),
            Some("apps/web/src/lib/tier.ts")
        );
        assert_eq!(
            r.resolve("cloudflare/src/job.ts", "@acme/db").as_deref(),
            Some("packages/db/src/index.ts")
        );
        assert_eq!(
            r.resolve("cloudflare/src/job.ts", "@acme/db/audit")
                .as_deref(),
            Some("packages/db/src/audit.ts")
        );
        assert_eq!(r.resolve("cloudflare/src/job.ts", "lodash"), None);
    }
}
