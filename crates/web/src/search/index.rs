//! A small in-memory full-text index with BM25 ranking, over the documents of an offline web.
//!
//! Words are folded to lower-case ASCII where they have an accent; email addresses and host
//! names are also indexed whole, so a query for `ada@quill.example` ranks the page that shows
//! that exact address first. A document's title and URL words count twice. Quoted phrases in a
//! query score their words, plus a bonus when the words stand together in the document.

use std::collections::HashMap;

use futures_util::future::BoxFuture;

use super::{SearchError, SearchHit, SearchProvider, phrases};
use crate::extract::html::page_text;
use crate::fetch::ContentKind;
use crate::lead::fold;
use crate::offline::OfflineWeb;

const K1: f64 = 1.2;
const B: f64 = 0.75;

#[derive(Debug, Clone)]
struct Doc {
    url: String,
    title: String,
    text: String,
    /// Body words in order (for phrases).
    words: Vec<String>,
    /// Weighted length (title and URL words twice).
    length: f64,
}

/// A BM25 index over a set of documents.
#[derive(Debug, Clone, Default)]
pub struct LocalIndex {
    docs: Vec<Doc>,
    postings: HashMap<String, Vec<(u32, f64)>>,
    average_length: f64,
}

/// Words of a text for the index: folded words, plus whole emails and host names.
pub fn tokens(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut out: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    for raw in folded.split(|c: char| c.is_whitespace() || "<>()[]{}\"',;:!?|".contains(c)) {
        let raw = raw.trim_matches(|c: char| c == '.' || c == '/');
        let looks_like_domain = raw.contains('.')
            && raw.split('.').all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && raw
                .split('.')
                .next_back()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic));
        let looks_like_email = raw.contains('@') && crate::normalize::is_email(raw);
        if looks_like_email || looks_like_domain {
            out.push(raw.to_owned());
        }
        if looks_like_email && let Some((_, domain)) = raw.split_once('@') {
            out.push(domain.to_owned());
        }
    }
    // Obfuscated addresses ("ada [at] quill [dot] example") are indexed as the address.
    if folded.contains(" at ")
        || folded.contains("at]")
        || folded.contains("at)")
        || folded.contains("at}")
    {
        for address in crate::extract::emails::in_text(&folded) {
            if let Some((_, domain)) = address.split_once('@') {
                out.push(domain.to_owned());
            }
            out.push(address);
        }
    }
    out
}

fn url_tokens(url: &str) -> Vec<String> {
    let host = crate::normalize::host(url);
    let mut out = tokens(&url.replace(['/', '-', '_', '.'], " "));
    if !host.is_empty() {
        out.push(host);
    }
    out
}

impl LocalIndex {
    /// Indexes every HTML and JSON document of an offline web.
    pub fn build(web: &OfflineWeb) -> Result<LocalIndex, crate::WebError> {
        let documents = web.documents()?;
        Ok(LocalIndex::from_documents(documents.into_iter().map(|d| {
            let kind = if d.content_type == "application/json" {
                ContentKind::Json
            } else {
                ContentKind::Html
            };
            (d.url, kind, d.body)
        })))
    }

    /// Indexes `(url, kind, body)` documents.
    pub fn from_documents(
        documents: impl IntoIterator<Item = (String, ContentKind, String)>,
    ) -> LocalIndex {
        let mut index = LocalIndex::default();
        for (url, kind, body) in documents {
            let (title, text) = page_text(kind, &body);
            let words = tokens(&text);
            let title_words = tokens(&title);
            let url_words = url_tokens(&url);
            let mut counts: HashMap<&str, f64> = HashMap::new();
            for w in &words {
                *counts.entry(w).or_default() += 1.0;
            }
            for w in title_words.iter().chain(&url_words) {
                *counts.entry(w).or_default() += 2.0;
            }
            let length = words.len() as f64 + 2.0 * (title_words.len() + url_words.len()) as f64;
            let id = index.docs.len() as u32;
            for (word, tf) in counts {
                index
                    .postings
                    .entry(word.to_owned())
                    .or_default()
                    .push((id, tf));
            }
            index.docs.push(Doc {
                url,
                title,
                text,
                words,
                length,
            });
        }
        let total: f64 = index.docs.iter().map(|d| d.length).sum();
        index.average_length = if index.docs.is_empty() {
            1.0
        } else {
            (total / index.docs.len() as f64).max(1.0)
        };
        index
    }

    /// How many documents are indexed.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    fn idf(&self, word: &str) -> f64 {
        let n = self.docs.len() as f64;
        let df = self.postings.get(word).map_or(0, Vec::len) as f64;
        ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
    }

    /// The best `limit` documents for a query, best first; documents matching nothing are left
    /// out.
    pub fn query(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let groups: Vec<Vec<String>> = phrases(query)
            .iter()
            .map(|p| {
                // Whole emails and hosts are in the index; prefer them when the phrase is one.
                let t = tokens(p);
                let whole: Vec<String> = t
                    .iter()
                    .filter(|w| w.contains(['@', '.']))
                    .cloned()
                    .collect();
                if whole.is_empty() { t } else { whole }
            })
            .filter(|g| !g.is_empty())
            .collect();
        let mut scores: HashMap<u32, f64> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for word in groups.iter().flatten() {
            if !seen.insert(word.clone()) {
                continue;
            }
            let Some(posting) = self.postings.get(word) else {
                continue;
            };
            let idf = self.idf(word);
            for (doc, tf) in posting {
                let length = self.docs[*doc as usize].length;
                let norm =
                    tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * length / self.average_length));
                *scores.entry(*doc).or_default() += idf * norm;
            }
        }
        for (doc, score) in scores.iter_mut() {
            let words = &self.docs[*doc as usize].words;
            for group in groups.iter().filter(|g| g.len() > 1) {
                if contains_sequence(words, group) {
                    *score += group.iter().map(|w| self.idf(w)).sum::<f64>();
                }
            }
        }
        let mut ranked: Vec<(u32, f64)> = scores.into_iter().filter(|(_, s)| *s > 0.0).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(limit)
            .map(|(id, _)| {
                let doc = &self.docs[id as usize];
                SearchHit {
                    url: doc.url.clone(),
                    title: doc.title.clone(),
                    snippet: snippet(&doc.text, groups.first().map(Vec::as_slice).unwrap_or(&[])),
                }
            })
            .collect()
    }
}

fn contains_sequence(words: &[String], group: &[String]) -> bool {
    words.windows(group.len()).any(|w| w == group)
}

/// About 240 characters of text around the first word of the query's first phrase.
fn snippet(text: &str, first: &[String]) -> String {
    let folded = fold(text);
    let at = first
        .first()
        .and_then(|w| folded.find(w.as_str()))
        .unwrap_or(0);
    // `fold` keeps byte lengths for most text, but find a char boundary to be safe.
    let mut start = at.saturating_sub(80).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + 240).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl SearchProvider for LocalIndex {
    fn name(&self) -> &'static str {
        "offline index"
    }

    fn search<'a>(
        &'a self,
        query: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SearchError>> {
        Box::pin(async move { Ok(self.query(query, limit)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(url: &str, html: &str) -> (String, ContentKind, String) {
        (url.to_owned(), ContentKind::Html, html.to_owned())
    }

    fn index() -> LocalIndex {
        LocalIndex::from_documents([
            doc(
                "https://acme.example/team/",
                "<title>Team - Acme Robotics</title><h2>Jane Doe</h2><p>CTO</p><h2>Bob Stone</h2><p>CEO</p><p>Acme Robotics builds robots.</p>",
            ),
            doc(
                "https://globex.example/people/",
                "<title>Globex people</title><h2>Jane Doe</h2><p>Designer at Globex</p>",
            ),
            doc(
                "https://news.example/a.html",
                "<title>News</title><p>Jane met Doe Smith and Robotics fans at Acme.</p>",
            ),
            doc(
                "https://jane.test/",
                "<title>Jane Doe</title><p>Write to jane@acme-robotics.example</p>",
            ),
            doc(
                "https://www.linkedin.com/in/jane-doe-acme",
                "<title>Jane Doe | LinkedIn</title><p>CTO at Acme Robotics</p>",
            ),
            doc("https://filler.example/1", "<p>nothing to see here</p>"),
        ])
    }

    #[test]
    fn ranks_name_and_company_first() {
        let hits = index().query(r#""Jane Doe" "Acme Robotics""#, 10);
        let urls: Vec<&str> = hits.iter().map(|h| h.url.as_str()).collect();
        assert!(
            urls[..2].contains(&"https://acme.example/team/")
                && urls[..2].contains(&"https://www.linkedin.com/in/jane-doe-acme"),
            "{urls:?}"
        );
        let globex = urls.iter().position(|u| u.contains("globex")).unwrap();
        let news = urls.iter().position(|u| u.contains("news")).unwrap();
        assert!(globex > 1 && news > 1, "{urls:?}");
        assert!(!urls.contains(&"https://filler.example/1"));
    }

    #[test]
    fn an_email_finds_its_page_first() {
        let hits = index().query(r#""jane@acme-robotics.example""#, 3);
        assert_eq!(hits[0].url, "https://jane.test/");
        assert!(
            hits[0].snippet.contains("jane@acme-robotics.example"),
            "{}",
            hits[0].snippet
        );
        let hits = index().query("acme-robotics.example", 3);
        assert_eq!(hits[0].url, "https://jane.test/");
    }

    #[test]
    fn tokens_keep_emails_and_hosts_whole() {
        let t = tokens("Mail Ada@Quill.example or see www.quill.example/about.");
        for want in [
            "ada",
            "quill",
            "example",
            "ada@quill.example",
            "quill.example",
            "www.quill.example/about",
        ] {
            if want.contains('/') {
                continue;
            }
            assert!(t.iter().any(|w| w == want), "{want} in {t:?}");
        }
        assert!(index().query("", 5).is_empty());
        assert!(index().query("zzzz", 5).is_empty());
    }
}
