//! The offline web: a directory where `DIR/HOST/PATH` is the page at `https://HOST/PATH`.
//!
//! A URL ending in `/` (or naming a folder) is answered by that folder's `index.html`; a path
//! without an extension that names no file is also answered by `PATH.html`. No path
//! can leave the directory: `..` segments (also percent-encoded), backslashes, NUL bytes and
//! symbolic links pointing outside are refused. Query strings and fragments are ignored.

use std::path::{Component, Path, PathBuf};

use crate::error::WebError;

/// A fixture web on disk.
#[derive(Debug, Clone)]
pub struct OfflineWeb {
    root: PathBuf,
}

/// One document of the offline web, as the search index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineDocument {
    /// The page's URL (`https://HOST/PATH`, a folder's `index.html` as the folder URL).
    pub url: String,
    /// The file's bytes as text (lossy UTF-8).
    pub body: String,
    /// The content type the file is served with.
    pub content_type: &'static str,
}

impl OfflineWeb {
    /// Opens a fixture web; the directory must exist.
    pub fn open(root: impl Into<PathBuf>) -> Result<OfflineWeb, WebError> {
        let root = root.into();
        let canonical = root.canonicalize().map_err(|source| WebError::OfflineDir {
            path: root.clone(),
            source,
        })?;
        if !canonical.is_dir() {
            return Err(WebError::OfflineDir {
                path: root,
                source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
            });
        }
        Ok(OfflineWeb { root: canonical })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file that answers `url`, or why none can.
    pub fn path_for(&self, url: &str) -> Result<PathBuf, OfflinePathError> {
        let relative = relative_path(url)?;
        let mut path = self.root.join(&relative);
        if path.is_dir() {
            path.push("index.html");
        }
        // A symbolic link must not lead out of the directory.
        if let Ok(canonical) = path.canonicalize()
            && !canonical.starts_with(&self.root)
        {
            return Err(OfflinePathError::Escapes);
        }
        Ok(path)
    }

    /// Reads the page at `url`: `Ok(None)` when there is no such file.
    pub fn read(&self, url: &str) -> Result<Option<(Vec<u8>, &'static str)>, OfflinePathError> {
        let path = self.path_for(url)?;
        if let Ok(bytes) = std::fs::read(&path) {
            return Ok(Some((bytes, content_type_for(&path))));
        }
        // `https://HOST/in/ada` is also answered by `HOST/in/ada.html`.
        if path.extension().is_none() {
            let html = path.with_extension("html");
            let inside = html.canonicalize().is_ok_and(|c| c.starts_with(&self.root));
            if inside && let Ok(bytes) = std::fs::read(&html) {
                return Ok(Some((bytes, "text/html")));
            }
        }
        Ok(None)
    }

    /// Every HTML and JSON document under the directory, in path order.
    pub fn documents(&self) -> Result<Vec<OfflineDocument>, WebError> {
        let mut files = Vec::new();
        walk(&self.root, &mut files).map_err(|source| WebError::OfflineDir {
            path: self.root.clone(),
            source,
        })?;
        files.sort();
        let mut documents = Vec::new();
        for file in files {
            let content_type = content_type_for(&file);
            if !matches!(content_type, "text/html" | "application/json") {
                continue;
            }
            let Ok(relative) = file.strip_prefix(&self.root) else {
                continue;
            };
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let Some((host, rest)) = parts.split_first() else {
                continue;
            };
            let mut path = rest.join("/");
            if path == "index.html" {
                path.clear();
            } else if let Some(folder) = path.strip_suffix("/index.html") {
                path = format!("{folder}/");
            }
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            documents.push(OfflineDocument {
                url: format!("https://{host}/{path}"),
                body: String::from_utf8_lossy(&bytes).into_owned(),
                content_type,
            });
        }
        Ok(documents)
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// Why a URL has no file in the offline web.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OfflinePathError {
    /// Not an `http(s)://HOST/...` URL.
    #[error("not an http(s) URL with a host")]
    NotHttp,
    /// The host is not a plain DNS name.
    #[error("the host is not a plain name")]
    BadHost,
    /// The path would leave the directory (`..`, a backslash, a NUL byte, a link outside).
    #[error("the path would leave the offline web directory")]
    Escapes,
}

/// `HOST/PATH` of a URL as a relative path, refusing every way out of the directory.
pub fn relative_path(url: &str) -> Result<PathBuf, OfflinePathError> {
    let parsed = url::Url::parse(url).map_err(|_| OfflinePathError::NotHttp)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(OfflinePathError::NotHttp);
    }
    let host = parsed
        .host_str()
        .ok_or(OfflinePathError::NotHttp)?
        .to_ascii_lowercase();
    if host.is_empty()
        || host.starts_with('.')
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(OfflinePathError::BadHost);
    }
    let mut relative = PathBuf::from(host);
    let raw_path = parsed.path();
    let segments: Vec<&str> = raw_path.split('/').collect();
    for segment in &segments {
        if segment.is_empty() {
            continue;
        }
        let decoded = percent_decode(segment);
        if decoded == ".."
            || decoded == "."
            || decoded.contains(['/', '\\', '\0'])
            || decoded.starts_with('~')
        {
            return Err(OfflinePathError::Escapes);
        }
        let component = Path::new(&decoded);
        if component
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(OfflinePathError::Escapes);
        }
        relative.push(decoded);
    }
    if raw_path.ends_with('/') {
        relative.push("index.html");
    }
    Ok(relative)
}

/// Percent-decodes a path segment (invalid escapes stay as written).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = segment.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The content type a fixture file is served with, by extension.
pub fn content_type_for(path: &Path) -> &'static str {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name == "robots.txt" || name.ends_with(".txt") {
        return "text/plain";
    }
    match path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .as_deref()
    {
        Some("html" | "htm") | None => "text/html",
        Some("json" | "jsonld") => "application/json",
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_map_to_files() {
        for (url, want) in [
            ("https://acme.example/", "acme.example/index.html"),
            ("https://acme.example", "acme.example/index.html"),
            ("https://ACME.example/team/", "acme.example/team/index.html"),
            (
                "http://acme.example/team/jane.html?x=1#y",
                "acme.example/team/jane.html",
            ),
            (
                "https://www.linkedin.com/in/jane-doe",
                "www.linkedin.com/in/jane-doe",
            ),
            ("https://a.example/caf%C3%A9.html", "a.example/café.html"),
        ] {
            assert_eq!(relative_path(url), Ok(PathBuf::from(want)), "{url}");
        }
    }

    #[test]
    fn no_escape_from_the_directory() {
        for url in [
            "https://a.example/a%2fb",
            "https://a.example/a%5cb",
            "https://a.example/a%00b",
            "https://a.example/~root",
        ] {
            assert_eq!(relative_path(url), Err(OfflinePathError::Escapes), "{url}");
        }
        // `url` itself resolves dots (literal or encoded), so they never climb above the host.
        assert_eq!(
            relative_path("https://a.example/x/%2E%2E/%2e%2e/etc/passwd"),
            Ok(PathBuf::from("a.example/etc/passwd"))
        );
        assert_eq!(
            relative_path("https://a.example/../../etc/passwd"),
            Ok(PathBuf::from("a.example/etc/passwd"))
        );
        assert_eq!(
            relative_path("file:///etc/passwd"),
            Err(OfflinePathError::NotHttp)
        );
        assert_eq!(
            relative_path("ftp://a.example/x"),
            Err(OfflinePathError::NotHttp)
        );
    }

    #[test]
    fn a_link_out_of_the_directory_is_refused() {
        let outside =
            std::env::temp_dir().join(format!("sixtyfour-web-outside-{}", std::process::id()));
        let web = std::env::temp_dir().join(format!("sixtyfour-web-root-{}", std::process::id()));
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::create_dir_all(web.join("a.example")).unwrap();
        std::fs::write(outside.join("secret.html"), "secret").unwrap();
        std::fs::write(web.join("a.example/ok.html"), "<p>ok</p>").unwrap();
        #[cfg(unix)]
        {
            let _ = std::fs::remove_file(web.join("a.example/link"));
            std::os::unix::fs::symlink(&outside, web.join("a.example/link")).unwrap();
        }
        let offline = OfflineWeb::open(&web).unwrap();
        assert!(offline.read("https://a.example/ok.html").unwrap().is_some());
        assert!(
            offline.read("https://a.example/ok").unwrap().is_some(),
            "PATH.html answers PATH"
        );
        assert_eq!(offline.read("https://a.example/missing.html"), Ok(None));
        #[cfg(unix)]
        assert_eq!(
            offline.read("https://a.example/link/secret.html"),
            Err(OfflinePathError::Escapes)
        );
        let docs = offline.documents().unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].url, "https://a.example/ok.html");
        std::fs::remove_dir_all(&web).unwrap();
        std::fs::remove_dir_all(&outside).unwrap();
    }
}
