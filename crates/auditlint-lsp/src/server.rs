//! The message loop and the handlers.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use auditlint_core::{Finding, Severity};
use auditlint_engine::Workspace;
use crossbeam_channel::{Receiver, select};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, CodeActionParams, CodeActionProviderCapability, CodeDescription, Diagnostic,
    DiagnosticOptions, DiagnosticRelatedInformation, DiagnosticServerCapabilities,
    DiagnosticSeverity, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, DocumentDiagnosticParams,
    DocumentDiagnosticReport, DocumentDiagnosticReportResult, FileSystemWatcher,
    FullDocumentDiagnosticReport, GlobPattern, InitializeParams, Location, NumberOrString,
    Position, PositionEncodingKind, PublishDiagnosticsParams, Range, Registration,
    RegistrationParams, RelatedFullDocumentDiagnosticReport, SaveOptions, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, TextEdit, Uri, WorkspaceEdit,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::LspError;
use crate::convert::{Encoding, path_to_uri, range, uri_to_path};

const RULE_DOCS: &str = "https://github.com/auditlint/auditlint/blob/main/rules";

/// An open document.
struct Document {
    path: PathBuf,
    version: i32,
    /// The editor's text, re-applied when a project is reloaded.
    text: String,
}

struct Server {
    connection: Connection,
    encoding: Encoding,
    /// The client pulls diagnostics (`textDocument/diagnostic`): never push then.
    pull: bool,
    refresh_support: bool,
    watch_registration: bool,
    workspaces: Vec<Workspace>,
    loading: Receiver<Result<Workspace, String>>,
    pending_loads: usize,
    documents: HashMap<String, Document>,
    next_request: i32,
    /// How the client takes snippet edits (the suppression fix's reason is a placeholder).
    snippets: Snippets,
}

/// Serves one client on `connection` until `shutdown` and `exit`.
pub fn serve(connection: Connection) -> Result<(), LspError> {
    let (id, params) = connection.initialize_start()?;
    let snippets = snippet_support(&params);
    let params: InitializeParams = match serde_json::from_value(params) {
        Ok(params) => params,
        Err(err) => {
            let response = Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                format!("invalid initialize params: {err}"),
            );
            let _ = connection.sender.send(response.into());
            return Err(LspError::Initialize(err));
        }
    };
    let encoding = negotiate_encoding(&params);
    let pull = params
        .capabilities
        .text_document
        .as_ref()
        .and_then(|t| t.diagnostic.as_ref())
        .is_some();
    let refresh_support = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.diagnostic.as_ref())
        .and_then(|d| d.refresh_support)
        .unwrap_or(false);
    let watch_registration = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    let capabilities = ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        diagnostic_provider: pull.then(|| {
            DiagnosticServerCapabilities::Options(DiagnosticOptions {
                identifier: Some("auditlint".into()),
                inter_file_dependencies: true,
                workspace_diagnostics: false,
                ..DiagnosticOptions::default()
            })
        }),
        ..ServerCapabilities::default()
    };
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": ServerInfo { name: "auditlint".into(), version: Some(env!("CARGO_PKG_VERSION").into()) },
    });
    connection.initialize_finish(id, result)?;

    // Build each workspace folder's index in the background.
    let folders = workspace_folders(&params);
    let (sender, loading) = crossbeam_channel::unbounded();
    for folder in &folders {
        let sender = sender.clone();
        let folder = folder.clone();
        std::thread::spawn(move || {
            let loaded = catch_unwind(|| Workspace::load(&folder))
                .map_err(|_| format!("internal error while indexing {}", folder.display()))
                .and_then(|r| r.map_err(|e| e.to_string()));
            let _ = sender.send(loaded);
        });
    }
    let mut server = Server {
        connection,
        encoding,
        pull,
        refresh_support,
        watch_registration,
        workspaces: Vec::new(),
        loading,
        pending_loads: folders.len(),
        documents: HashMap::new(),
        next_request: 0,
        snippets,
    };
    server.run()
}

/// UTF-8 when the client offers it (no conversion needed), else UTF-16, the protocol's default.
fn negotiate_encoding(params: &InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

fn workspace_folders(params: &InitializeParams) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| uri_to_path(&f.uri))
        .collect();
    #[allow(deprecated)]
    if folders.is_empty()
        && let Some(root) = params.root_uri.as_ref().and_then(uri_to_path)
    {
        folders.push(root);
    }
    folders
}

impl Server {
    fn run(&mut self) -> Result<(), LspError> {
        loop {
            let message = select! {
                recv(self.connection.receiver) -> message => match message {
                    Ok(message) => message,
                    Err(_) => return Ok(()),
                },
                recv(self.loading) -> loaded => {
                    if let Ok(loaded) = loaded {
                        self.workspace_loaded(loaded);
                    }
                    continue;
                }
            };
            match message {
                Message::Request(request) => {
                    if self.connection.handle_shutdown(&request)? {
                        return Ok(());
                    }
                    self.request(request);
                }
                Message::Notification(notification) => {
                    if notification.method == "exit" {
                        return Ok(());
                    }
                    self.notification(notification);
                }
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, message: Message) {
        // The client hanging up ends the loop on the next receive.
        let _ = self.connection.sender.send(message);
    }

    fn log(&self, message: &str) {
        self.send(
            Notification::new(
                "window/logMessage".into(),
                serde_json::json!({ "type": 2, "message": format!("auditlint: {message}") }),
            )
            .into(),
        );
    }

    fn workspace_loaded(&mut self, loaded: Result<Workspace, String>) {
        if let Some(root) = self.workspace_arrived(loaded) {
            self.republish(&root);
        }
    }

    /// A background load finished: keep the workspace (unless one with that root is there)
    /// and return its root; a failure is logged.
    fn workspace_arrived(&mut self, loaded: Result<Workspace, String>) -> Option<PathBuf> {
        self.pending_loads = self.pending_loads.saturating_sub(1);
        match loaded {
            Ok(workspace) => {
                let root = workspace.root().to_path_buf();
                if !self.workspaces.iter().any(|w| w.root() == root) {
                    self.adopt(workspace);
                }
                Some(root)
            }
            Err(message) => {
                self.log(&message);
                None
            }
        }
    }

    /// Keeps a loaded workspace, telling the user what could not be read in it (unreadable
    /// files, invalid manifests): an editor has no `errors` list, so the log carries them.
    fn adopt(&mut self, workspace: Workspace) {
        for error in &workspace.load_errors {
            self.log(&format!("{}: {}", error.path, error.message));
        }
        self.workspaces.push(workspace);
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        let method = request.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.dispatch(request)));
        let response = match outcome {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!("internal error while handling `{method}`; the server keeps running"),
            ),
        };
        self.send(response.into());
    }

    fn dispatch(&mut self, request: Request) -> Result<Value, (ErrorCode, String)> {
        // A test hook: proves that a panicking request is answered and the server lives on.
        if std::env::var("AUDITLINT_INJECT_PANIC").is_ok_and(|m| m == request.method) {
            panic!("injected panic in `{}`", request.method);
        }
        match request.method.as_str() {
            "textDocument/diagnostic" => {
                let params: DocumentDiagnosticParams = parse(request.params)?;
                let items = self
                    .diagnostics_for(&params.text_document.uri)
                    .unwrap_or_default();
                let report = DocumentDiagnosticReportResult::Report(
                    DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                        related_documents: None,
                        full_document_diagnostic_report: FullDocumentDiagnosticReport {
                            result_id: None,
                            items,
                        },
                    }),
                );
                Ok(serde_json::to_value(report).unwrap_or(Value::Null))
            }
            "textDocument/codeAction" => {
                let params: CodeActionParams = parse(request.params)?;
                Ok(Value::Array(self.code_actions(&params)))
            }
            method => Err((
                ErrorCode::MethodNotFound,
                format!("unsupported request `{method}`"),
            )),
        }
    }

    fn notification(&mut self, notification: Notification) {
        let method = notification.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.handle_notification(notification)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(message)) => self.log(&format!("`{method}`: {message}")),
            Err(_) => self.log(&format!(
                "internal error while handling `{method}`; the server keeps running"
            )),
        }
    }

    fn handle_notification(&mut self, notification: Notification) -> Result<(), String> {
        let params = notification.params;
        match notification.method.as_str() {
            "initialized" => self.register_watchers(),
            "textDocument/didOpen" => {
                let params: DidOpenTextDocumentParams = parse(params).map_err(|e| e.1)?;
                let document = params.text_document;
                let path = uri_to_path(&document.uri).ok_or("not a file URI")?;
                self.documents.insert(
                    document.uri.as_str().to_string(),
                    Document {
                        path: path.clone(),
                        version: document.version,
                        text: document.text.clone(),
                    },
                );
                if let Some((workspace, rel)) = self.workspace_for(&path) {
                    workspace.open_document(&rel, &document.text);
                }
                self.publish(&document.uri);
            }
            "textDocument/didChange" => {
                let params: DidChangeTextDocumentParams = parse(params).map_err(|e| e.1)?;
                let uri = params.text_document.uri;
                // Full sync: the last change holds the whole text.
                let Some(change) = params.content_changes.into_iter().last() else {
                    return Ok(());
                };
                let Some(document) = self.documents.get_mut(uri.as_str()) else {
                    return Err("change for a document that is not open".into());
                };
                document.version = params.text_document.version;
                document.text.clone_from(&change.text);
                let path = document.path.clone();
                if let Some((workspace, rel)) = self.workspace_for(&path) {
                    workspace.open_document(&rel, &change.text);
                }
                self.publish(&uri);
            }
            "textDocument/didSave" => {
                let params: DidSaveTextDocumentParams = parse(params).map_err(|e| e.1)?;
                let path = uri_to_path(&params.text_document.uri).ok_or("not a file URI")?;
                self.file_changed(&path);
            }
            "textDocument/didClose" => {
                let params: DidCloseTextDocumentParams = parse(params).map_err(|e| e.1)?;
                let uri = params.text_document.uri;
                if let Some(document) = self.documents.remove(uri.as_str()) {
                    if let Some((workspace, rel)) = self.workspace_for(&document.path) {
                        workspace.close_document(&rel);
                    }
                    if !self.pull {
                        self.send_diagnostics(uri, Vec::new(), None);
                    }
                }
            }
            "workspace/didChangeWatchedFiles" => {
                let params: DidChangeWatchedFilesParams = parse(params).map_err(|e| e.1)?;
                for change in params.changes {
                    if let Some(path) = uri_to_path(&change.uri) {
                        self.file_changed(&path);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Asks the client to tell us about file changes on disk (other tools, git checkouts).
    fn register_watchers(&mut self) {
        if !self.watch_registration {
            return;
        }
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: [
                "**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}",
                "**/auditlint.toml",
                "**/package.json",
                "**/tsconfig.json",
            ]
            .into_iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob.into()),
                kind: None,
            })
            .collect(),
        };
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "auditlint-watch".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.next_request += 1;
        let request = Request::new(
            RequestId::from(format!("auditlint-{}", self.next_request)),
            "client/registerCapability".into(),
            params,
        );
        self.send(request.into());
    }

    /// A file changed on disk: configuration and manifests rescan the project; a source file
    /// is read again. Every open document of that project is checked again.
    fn file_changed(&mut self, path: &Path) {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == auditlint_engine::CONFIG_FILE {
            // The configuration may change the vocabulary and even the project root.
            let dir = path.parent().unwrap_or(path).to_path_buf();
            self.workspaces
                .retain(|w| !dir.starts_with(w.root()) && !w.root().starts_with(&dir));
            match Workspace::load(&dir) {
                Ok(workspace) => self.adopt(workspace),
                Err(err) => self.log(&format!("cannot load {}: {err}", path.display())),
            }
            self.reopen_documents();
            self.republish_all();
            return;
        }
        let Some((workspace, rel)) = self.workspace_for(path) else {
            return;
        };
        if name == "package.json" || name == "tsconfig.json" {
            workspace.rescan();
        } else {
            workspace.refresh_file(&rel);
        }
        let root = workspace.root().to_path_buf();
        self.republish(&root);
    }

    /// After a reload, the editor's unsaved texts count again.
    fn reopen_documents(&mut self) {
        let documents: Vec<(PathBuf, String)> = self
            .documents
            .values()
            .map(|d| (d.path.clone(), d.text.clone()))
            .collect();
        for (path, text) in documents {
            if let Some((workspace, rel)) = self.workspace_for(&path) {
                workspace.open_document(&rel, &text);
            }
        }
    }

    /// The workspace containing `path`, loading one around it if none does.
    fn workspace_for(&mut self, path: &Path) -> Option<(&mut Workspace, String)> {
        while let Ok(loaded) = self.loading.try_recv() {
            {
                self.workspace_arrived(loaded);
            };
        }
        let position = |workspaces: &[Workspace]| {
            workspaces
                .iter()
                .enumerate()
                .filter_map(|(i, w)| Some((i, w.relative(path)?)))
                .max_by_key(|(i, _)| workspaces[*i].root().as_os_str().len())
        };
        let mut found = position(&self.workspaces);
        // A folder still being indexed: wait for it rather than index it twice.
        while found.is_none() && self.pending_loads > 0 {
            match self.loading.recv() {
                Ok(loaded) => {
                    self.workspace_arrived(loaded);
                }
                Err(_) => break,
            }
            found = position(&self.workspaces);
        }
        if found.is_none() {
            let dir = path.parent()?.to_path_buf();
            match Workspace::load(&dir) {
                Ok(workspace) => self.adopt(workspace),
                Err(err) => {
                    self.log(&format!(
                        "cannot load the project around {}: {err}",
                        path.display()
                    ));
                    return None;
                }
            }
            found = position(&self.workspaces);
        }
        let (i, rel) = found?;
        Some((&mut self.workspaces[i], rel))
    }

    /// Pushes fresh diagnostics for one document (push mode only).
    fn publish(&mut self, uri: &Uri) {
        if self.pull {
            return;
        }
        let Some(items) = self.diagnostics_for(uri) else {
            return;
        };
        let version = self.documents.get(uri.as_str()).map(|d| d.version);
        self.send_diagnostics(uri.clone(), items, version);
    }

    fn send_diagnostics(&self, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Notification::new("textDocument/publishDiagnostics".into(), params).into());
    }

    /// Every open document under `root` is checked again (cross-file facts may have changed).
    fn republish(&mut self, root: &Path) {
        if self.pull {
            self.refresh_pull();
            return;
        }
        let uris: Vec<Uri> = self
            .documents
            .iter()
            .filter(|(_, d)| d.path.starts_with(root))
            .filter_map(|(_, d)| path_to_uri(&d.path))
            .collect();
        for uri in uris {
            self.publish(&uri);
        }
    }

    fn republish_all(&mut self) {
        let roots: Vec<PathBuf> = self
            .workspaces
            .iter()
            .map(|w| w.root().to_path_buf())
            .collect();
        for root in roots {
            self.republish(&root);
        }
    }

    /// In pull mode, ask the client to pull again.
    fn refresh_pull(&mut self) {
        if !self.refresh_support {
            return;
        }
        self.next_request += 1;
        let request = Request::new(
            RequestId::from(format!("auditlint-{}", self.next_request)),
            "workspace/diagnostic/refresh".into(),
            Value::Null,
        );
        self.send(request.into());
    }

    /// The diagnostics of one document, computed now.
    fn diagnostics_for(&mut self, uri: &Uri) -> Option<Vec<Diagnostic>> {
        let path = uri_to_path(uri)?;
        let encoding = self.encoding;
        let (workspace, rel) = self.workspace_for(&path)?;
        if !auditlint_engine::is_source_path(&rel) {
            return Some(Vec::new());
        }
        let started = std::time::Instant::now();
        let (findings, errors) = workspace.check_file(&rel);
        let checked = started.elapsed();
        let root = workspace.root().to_path_buf();
        let mut lines = LineCache::new();
        let mut items: Vec<Diagnostic> = findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .filter_map(|f| to_diagnostic(f, workspace, &root, encoding, &mut lines))
            .collect();
        items.extend(errors.iter().map(|e| Diagnostic {
            range: Range::default(),
            severity: Some(DiagnosticSeverity::WARNING),
            source: Some("auditlint".into()),
            message: format!("auditlint could not fully check this file: {}", e.message),
            ..Diagnostic::default()
        }));
        if std::env::var_os("AUDITLINT_TRACE").is_some() {
            eprintln!(
                "auditlint lsp: {rel}: check {:.1} ms, to LSP {:.1} ms, {} diagnostics",
                checked.as_secs_f64() * 1e3,
                (started.elapsed() - checked).as_secs_f64() * 1e3,
                items.len()
            );
        }
        Some(items)
    }

    /// Quick fixes per auditlint diagnostic: a suppression comment above its line, indented like
    /// it, whose reason is a snippet placeholder when the client takes snippet edits (else a
    /// TODO reason that the suppression rules accept); and, when the finding has one, its fix
    /// ("surface the failure", computed by the engine as for `check --fix --unsafe-fixes`).
    fn code_actions(&mut self, params: &CodeActionParams) -> Vec<Value> {
        let uri = &params.text_document.uri;
        let encoding = self.encoding;
        let snippets = self.snippets;
        let version = self.documents.get(uri.as_str()).map(|d| d.version);
        let Some(path) = uri_to_path(uri) else {
            return Vec::new();
        };
        let Some((workspace, rel)) = self.workspace_for(&path) else {
            return Vec::new();
        };
        let Some(text) = workspace.text(&rel) else {
            return Vec::new();
        };
        let wanted: Vec<&Diagnostic> = params
            .context
            .diagnostics
            .iter()
            .filter(|d| d.source.as_deref() == Some("auditlint"))
            .collect();
        if wanted.is_empty() {
            return Vec::new();
        }
        // The findings again (the same engine call as the diagnostics), for their fixes.
        let findings = if auditlint_engine::is_source_path(&rel) {
            workspace.check_file(&rel).0
        } else {
            Vec::new()
        };
        let reason = workspace.todo_reason();
        let index = auditlint_core::LineIndex::new(&text);
        let lines: Vec<&str> = text.split('\n').collect();
        let mut actions = Vec::new();
        for d in wanted {
            let Some(NumberOrString::String(rule)) = &d.code else {
                continue;
            };
            let line = d.range.start.line;
            let current = lines.get(line as usize).copied().unwrap_or("");
            let indent: String = current.chars().take_while(|c| c.is_whitespace()).collect();
            let at = Range::new(Position::new(line, 0), Position::new(line, 0));
            // `#` in Python, `//` elsewhere: the file's own line comment.
            let token = auditlint_core::facts::Language::of_path(&rel)
                .map_or("//", auditlint_core::facts::Language::line_comment);
            let comment =
                |reason: &str| format!("{indent}{token} auditlint-ignore {rule} -- {reason}\n");
            let edit = match snippets {
                Snippets::None => plain_edit(uri, vec![TextEdit::new(at, comment(&reason))]),
                kind => {
                    let snippet = format!(
                        "{}{token} auditlint-ignore {} -- ${{1:{}}}\n",
                        escape_snippet(&indent),
                        escape_snippet(rule),
                        escape_snippet(&reason)
                    );
                    snippet_edit(uri, version, at, &snippet, kind)
                }
            };
            actions.push(serde_json::json!({
                "title": format!("Suppress `{rule}` on this line (say why in the reason)"),
                "kind": CodeActionKind::QUICKFIX,
                "diagnostics": [d],
                "edit": edit,
            }));
            let fix = findings.iter().find(|f| {
                f.rule == rule.as_str()
                    && range(
                        &text,
                        &index,
                        f.span.start as usize,
                        f.span.end as usize,
                        encoding,
                    ) == d.range
            });
            if let Some(fix) = fix.and_then(|f| f.fix.as_ref()) {
                let edits: Vec<TextEdit> = fix
                    .edits
                    .iter()
                    .map(|e| TextEdit {
                        range: range(
                            &text,
                            &index,
                            e.span.start as usize,
                            e.span.end as usize,
                            encoding,
                        ),
                        new_text: e.text.clone(),
                    })
                    .collect();
                actions.push(serde_json::json!({
                    "title": fix.title,
                    "kind": CodeActionKind::QUICKFIX,
                    "diagnostics": [d],
                    "isPreferred": false,
                    "edit": plain_edit(uri, edits),
                }));
            }
        }
        actions
    }
}

/// How the client takes snippet text edits in a workspace edit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Snippets {
    /// Not at all: plain text, the reason written out.
    None,
    /// LSP 3.18 `SnippetTextEdit` (`workspace.workspaceEdit.snippetEditSupport`).
    Standard,
    /// rust-analyzer's extension: a `TextEdit` with `insertTextFormat: 2`
    /// (`experimental.snippetTextEdit`).
    Experimental,
}

/// From the raw `initialize` capabilities (lsp-types has no field for either).
fn snippet_support(params: &Value) -> Snippets {
    let capabilities = &params["capabilities"];
    if capabilities["workspace"]["workspaceEdit"]["snippetEditSupport"] == Value::Bool(true) {
        Snippets::Standard
    } else if capabilities["experimental"]["snippetTextEdit"] == Value::Bool(true) {
        Snippets::Experimental
    } else {
        Snippets::None
    }
}

/// Text that a snippet inserts as it is: `$`, `}` and `\\` are the snippet syntax's own.
fn escape_snippet(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '$' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A workspace edit of one document, plain text (`changes`, which every client takes).
fn plain_edit(uri: &Uri, edits: Vec<TextEdit>) -> Value {
    serde_json::to_value(WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    })
    .unwrap_or(Value::Null)
}

/// A workspace edit of one document whose text is a snippet, in the client's dialect.
fn snippet_edit(
    uri: &Uri,
    version: Option<i32>,
    range: Range,
    snippet: &str,
    kind: Snippets,
) -> Value {
    let edit = if kind == Snippets::Standard {
        serde_json::json!({ "range": range, "snippet": { "kind": "snippet", "value": snippet } })
    } else {
        serde_json::json!({ "range": range, "newText": snippet, "insertTextFormat": 2 })
    };
    serde_json::json!({
        "documentChanges": [{
            "textDocument": { "uri": uri, "version": version },
            "edits": [edit],
        }],
    })
}

/// Texts and line indexes of the files diagnostics point into, built once per publish.
type LineCache = HashMap<String, Option<(auditlint_engine::Text, auditlint_core::LineIndex)>>;

fn lsp_range(
    workspace: &Workspace,
    cache: &mut LineCache,
    path: &str,
    span: auditlint_core::Span,
    encoding: Encoding,
) -> Option<Range> {
    let entry = cache.entry(path.to_string()).or_insert_with(|| {
        let text = workspace.text(path)?;
        let index = auditlint_core::LineIndex::new(&text);
        Some((text, index))
    });
    let (text, index) = entry.as_ref()?;
    Some(range(
        text,
        index,
        span.start as usize,
        span.end as usize,
        encoding,
    ))
}

fn to_diagnostic(
    finding: &Finding,
    workspace: &Workspace,
    root: &Path,
    encoding: Encoding,
    cache: &mut LineCache,
) -> Option<Diagnostic> {
    let range = lsp_range(workspace, cache, &finding.path, finding.span, encoding)?;
    let related = finding
        .labels
        .iter()
        .filter_map(|label| {
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: path_to_uri(&root.join(&label.path))?,
                    range: lsp_range(workspace, cache, &label.path, label.span, encoding)?,
                },
                message: label.message.clone(),
            })
        })
        .collect::<Vec<_>>();
    Some(Diagnostic {
        range,
        severity: Some(match finding.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(finding.rule.to_string())),
        code_description: format!("{RULE_DOCS}/{}.md", finding.rule)
            .parse()
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("auditlint".into()),
        message: format!("{}\nhelp: {}", finding.message, finding.help),
        related_information: (!related.is_empty()).then_some(related),
        ..Diagnostic::default()
    })
}

fn parse<T: DeserializeOwned>(params: Value) -> Result<T, (ErrorCode, String)> {
    serde_json::from_value(params)
        .map_err(|e| (ErrorCode::InvalidParams, format!("invalid params: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_text_is_escaped() {
        assert_eq!(escape_snippet("a$b}c\\d"), "a\\$b\\}c\\\\d");
        assert_eq!(
            escape_snippet(&auditlint_engine::todo_reason(10)),
            auditlint_engine::todo_reason(10)
        );
    }

    #[test]
    fn snippet_support_is_read_from_either_capability() {
        let params = |capabilities: Value| serde_json::json!({ "capabilities": capabilities });
        assert!(
            snippet_support(&params(serde_json::json!({
                "workspace": { "workspaceEdit": { "snippetEditSupport": true } }
            }))) == Snippets::Standard
        );
        assert!(
            snippet_support(&params(
                serde_json::json!({ "experimental": { "snippetTextEdit": true } })
            )) == Snippets::Experimental
        );
        assert!(snippet_support(&params(serde_json::json!({}))) == Snippets::None);
    }
}
