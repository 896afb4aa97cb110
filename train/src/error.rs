//! The crate's one error type. Numerical code never panics on bad input (a wrong shape, an
//! unknown token id, a malformed checkpoint): it returns one of these with the cause.

use std::path::PathBuf;

/// Everything that can go wrong in rlvr-train.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `config.json` is malformed or describes something this model does not implement.
    #[error("model config: {0}")]
    Config(String),
    /// A checkpoint is missing a tensor, has a wrong shape or an unsupported dtype.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// Shapes or lengths passed to an operation do not agree.
    #[error("shape: {0}")]
    Shape(String),
    /// A token id is outside the vocabulary, a sequence is empty or too long, etc.
    #[error("input: {0}")]
    Input(String),
    /// The tokenizer could not be loaded or failed to encode/decode.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A chat template does not compile, or raised an error rendering a conversation.
    #[error("chat template: {0}")]
    ChatTemplate(String),
    /// A backend (e.g. CUDA) is unavailable or failed.
    #[error("backend: {0}")]
    Backend(String),
    /// JSON (config, tokenizer) could not be parsed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// Result with [`TrainError`].
pub type Result<T, E = TrainError> = std::result::Result<T, E>;

impl TrainError {
    /// An I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TrainError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Returns `Err(TrainError::Shape)` unless `cond` holds.
pub(crate) fn ensure_shape(cond: bool, what: impl FnOnce() -> String) -> Result<()> {
    if cond {
        Ok(())
    } else {
        Err(TrainError::Shape(what()))
    }
}
