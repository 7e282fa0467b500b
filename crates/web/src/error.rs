//! The researcher's errors.

use std::path::PathBuf;

/// Why a research job or an evaluation could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// The offline web directory cannot be read.
    #[error("cannot read the offline web directory {}: {source}", path.display())]
    OfflineDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
    /// A configured URL is not usable.
    #[error("the {what} URL {url:?} is not a valid http(s) URL")]
    BadUrl {
        /// Which setting.
        what: &'static str,
        /// The value given.
        url: String,
    },
    /// The language model's key is not in the environment variable named for it.
    #[error("the language model key variable {0} is not set (or not valid UTF-8)")]
    MissingKey(String),
    /// The job was cancelled.
    #[error("the research job was cancelled")]
    Cancelled,
    /// A file given to the evaluation cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of a truth file is not valid.
    #[error("{}, line {line}: {message}", path.display())]
    TruthLine {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The fields file is not a valid `struct`.
    #[error("{}: not a valid struct: {message}", path.display())]
    Fields {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}
