//! `auditlint init` through the binary: one project declaring a store in each schema kind it
//! reads, the candidates it lists, the `auditlint.toml` it writes (and refuses to overwrite),
//! and a check that then finds a swallowed write into a learned table.

mod support;

use std::path::Path;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).expect(".git");
    write(
        root,
        "migrations/001_init.sql",
        "CREATE TABLE IF NOT EXISTS staff_actions (\n  id INTEGER PRIMARY KEY,\n  actor_id TEXT NOT NULL,\n  action TEXT NOT NULL,\n  target_id TEXT,\n  ip TEXT,\n  created_at TEXT DEFAULT (datetime('now'))\n);\nCREATE TABLE menu_items (id INTEGER PRIMARY KEY, title TEXT);\n",
    );
    write(
        root,
        "prisma/schema.prisma",
        "model ModLog {\n  id      Int    @id\n  actorId String\n  action  String\n  target  String\n}\n",
    );
    write(
        root,
        "src/db/schema.ts",
        "export const userEvents = pgTable(\"user_events\", {\n  actorId: text(\"actor_id\"),\n  action: text(\"action\"),\n});\n",
    );
    write(
        root,
        "src/entities/admin-history.ts",
        "@Entity(\"admin_history\")\nexport class AdminHistory {\n  @Column()\n  actor: string;\n  @Column()\n  action: string;\n}\n",
    );
    write(
        root,
        "src/models/changelog.js",
        "module.exports = (sequelize, DataTypes) => sequelize.define(\"changelog\", {\n  actor: DataTypes.STRING,\n  action: DataTypes.STRING,\n});\n",
    );
    write(
        root,
        "src/models/journal.js",
        "module.exports = mongoose.model(\"Journal\", new Schema({\n  actor: String,\n  action: String,\n}));\n",
    );
    write(
        root,
        "src/schema.rs",
        "table! {\n    moderation_log (id) {\n        id -> Int4,\n        actor_id -> Int4,\n        action -> Text,\n    }\n}\n",
    );
    write(
        root,
        "src/entity/security_log.rs",
        "#[derive(Clone, Debug, DeriveEntityModel)]\n#[sea_orm(table_name = \"security_log\")]\npub struct Model {\n    pub id: i32,\n    pub actor_id: i32,\n    pub action: String,\n}\n",
    );
    write(
        root,
        "app/models.py",
        "from sqlalchemy import Column, Integer, String\n\n\nclass TierEvent(Base):\n    __tablename__ = \"tier_events\"\n    id = Column(Integer, primary_key=True)\n    actor_id = Column(String)\n    action = Column(String)\n",
    );
    write(
        root,
        "shop/models.py",
        "from django.db import models\n\n\nclass StaffHistory(models.Model):\n    actor = models.CharField(max_length=64)\n    action = models.CharField(max_length=64)\n",
    );
    write(
        root,
        "shop/views.py",
        "from .models import StaffHistory\n\n\ndef refund(actor):\n    try:\n        StaffHistory.objects.create(actor=actor, action=\"refund\")\n    except Exception:\n        pass\n",
    );
    // The code: a swallowed write into `staff_actions`, a store the defaults do not know.
    write(
        root,
        "src/routes/purge.ts",
        "export async function purge(env: Env, user: string) {\n  try {\n    await env.DB.prepare(\"INSERT INTO staff_actions (actor_id, action) VALUES (?, 'purge')\").bind(user).run();\n  } catch {}\n  await env.DB.prepare(\"INSERT INTO menu_items (title) VALUES ('x')\").run();\n}\n",
    );
    dir
}

fn init(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = support::auditlint()
        .arg("init")
        .args(args)
        .current_dir(root)
        .output()
        .expect("run auditlint init");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn init_lists_a_candidate_from_every_schema_kind_with_its_evidence() {
    let dir = project();
    let (code, stdout, stderr) = init(dir.path(), &["--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    for (name, kind) in [
        ("staff_actions", "CREATE TABLE"),
        ("ModLog", "Prisma model"),
        ("user_events", "Drizzle table"),
        ("admin_history", "TypeORM @Entity"),
        ("changelog", "Sequelize define"),
        ("Journal", "Mongoose model"),
        ("moderation_log", "diesel table!"),
        ("security_log", "SeaORM entity"),
        ("tier_events", "SQLAlchemy __tablename__"),
        ("StaffHistory", "Django model"),
    ] {
        assert!(
            stderr.lines().any(|l| l.contains(name) && l.contains(kind)),
            "{name} ({kind}) missing:\n{stderr}"
        );
    }
    assert!(!stderr.contains("menu_items"), "{stderr}");
    // The written store with audit columns, never updated: strong, and first.
    let first = stderr.lines().nth(1).unwrap_or_default();
    assert!(
        first.contains("staff_actions")
            && first.contains("strong")
            && first.contains("append-only"),
        "{stderr}"
    );
    assert!(
        stdout.contains("extend-tables = [\"staff_actions\""),
        "{stdout}"
    );
    assert!(
        !dir.path().join("auditlint.toml").exists(),
        "--dry-run writes nothing"
    );
}

#[test]
fn init_yes_declares_the_strong_candidates_and_check_then_finds_the_swallow() {
    let dir = project();
    let (code, json) = support::check_json(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        json["summary"]["findings"], 0,
        "the defaults do not know staff_actions"
    );
    let (code, _, stderr) = init(dir.path(), &["--yes"]);
    assert_eq!(code, 0, "{stderr}");
    let config = std::fs::read_to_string(dir.path().join("auditlint.toml")).expect("written");
    assert!(config.contains("staff_actions"), "{config}");
    assert!(!config.contains("menu_items"), "{config}");
    // The Django model, declared by its class name, is matched as written.
    assert!(config.contains("StaffHistory"), "{config}");
    let (_, json) = support::check_json(dir.path(), &[]);
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2, "{json:#}");
    assert_eq!(findings[0]["path"], "shop/views.py");
    assert_eq!(findings[0]["line"], 7);
    assert_eq!(findings[1]["path"], "src/routes/purge.ts");
    assert_eq!(findings[1]["line"], 4);
}

#[test]
fn init_never_overwrites_a_users_sinks_without_force() {
    let dir = project();
    let user = "# mine\n[sinks]\nextend-tables = [\"compliance_*\"]\n\n[rules]\naudit-write-floating = \"warning\"\n";
    write(dir.path(), "auditlint.toml", user);
    let (code, _, stderr) = init(dir.path(), &["--yes"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("auditlint.toml")).expect("kept"),
        user
    );
    let (code, _, stderr) = init(dir.path(), &["--yes", "--force"]);
    assert_eq!(code, 0, "{stderr}");
    let config = std::fs::read_to_string(dir.path().join("auditlint.toml")).expect("written");
    assert!(
        config.contains("# mine") && config.contains("audit-write-floating"),
        "{config}"
    );
    assert!(
        config.contains("extend-tables = [\"staff_actions\""),
        "{config}"
    );
    assert_eq!(config.matches("extend-tables").count(), 1, "{config}");
}

/// The README's `init` block, line by line in a project: the dry run writes nothing, the plain
/// command (no terminal) writes nothing and says how to, `--yes` declares the strong candidates.
#[test]
fn the_readme_init_commands_run_as_written() {
    let block = support::readme_snippet("init");
    let lines: Vec<&str> = block
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        lines,
        [
            "auditlint init --dry-run",
            "auditlint init",
            "auditlint init --yes"
        ]
    );
    let dir = project();
    let config = dir.path().join("auditlint.toml");
    for (i, line) in lines.iter().enumerate() {
        let args: Vec<&str> = line.split_whitespace().skip(2).collect();
        let (code, _, stderr) = init(dir.path(), &args);
        assert_eq!(code, 0, "{line}: {stderr}");
        assert_eq!(config.exists(), i == 2, "after `{line}`: {stderr}");
    }
    let text = std::fs::read_to_string(&config).expect("written");
    assert!(
        text.contains("extend-tables = [\"staff_actions\""),
        "{text}"
    );
}

/// A schema file `init` cannot read is named on stderr, never skipped silently (and a FIFO is
/// never opened for reading, so nothing hangs).
#[test]
fn init_names_the_schema_files_it_could_not_read() {
    let dir = project();
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("migrations/002_pipe.sql"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let (code, _, stderr) = init(dir.path(), &["--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: not read") && stderr.contains("migrations/002_pipe.sql"),
        "{stderr}"
    );
    assert!(
        stderr.contains("staff_actions"),
        "the rest is still read: {stderr}"
    );
}
