//! auditlint's language server, over stdio: diagnostics on open/change/save (pushed, or pulled
//! when the client supports pull diagnostics — never both), a quick fix that inserts a
//! suppression, and a workspace index built in the background so an open file sees facts from
//! files that are not open. A thin shell over the engine's [`auditlint_engine::Workspace`].

mod convert;
mod server;
mod transport;

pub use convert::Encoding;
pub use server::serve;

/// Why the server stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum LspError {
    #[error("protocol error: {0}")]
    Protocol(#[from] lsp_server::ProtocolError),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid initialize params: {0}")]
    Initialize(serde_json::Error),
}

/// Runs the server on stdin/stdout until the client says `exit`. A malformed frame is answered
/// with a JSON-RPC error and the server reads on (see `transport`).
pub fn run_stdio() -> Result<(), LspError> {
    let (connection, io_threads) = transport::stdio();
    serve(connection)?;
    io_threads.join()?;
    Ok(())
}
