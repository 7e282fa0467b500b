//! Reading leads from CSV (a header, each row's non-empty cells) or JSON Lines (one object per
//! line), from a file or from stdin, one record at a time, with the line of every problem. The
//! input is read twice: once to check every row before anything is paid for ([`check`]), once
//! to record it in the journal ([`rows`]); a digest of its bytes proves both passes read the
//! same input.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sixtyfour_ledger::{InputRow, KeyAssigner, LedgerError, Template, request_hash};

/// The input's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// The format a file name implies.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" | "tsv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// A problem with the input, at a line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The input could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file (or `stdin`).
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not a usable lead.
    #[error("{path}: line {line}: {message}")]
    Line {
        /// The file.
        path: String,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The input as a whole is not usable.
    #[error("{path}: {message}")]
    Whole {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Where the leads come from: a file, or stdin read whole into memory (the input is read
/// twice).
#[derive(Debug, Clone)]
pub enum Source {
    /// A file.
    File(PathBuf),
    /// The bytes of stdin.
    Stdin(Arc<Vec<u8>>),
}

impl Source {
    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Stdin(_) => "stdin".into(),
        }
    }

    fn open(&self) -> Result<Box<dyn Read>, InputError> {
        match self {
            Source::File(path) => File::open(path)
                .map(|f| Box::new(f) as Box<dyn Read>)
                .map_err(|source| InputError::Io {
                    path: path.display().to_string(),
                    source,
                }),
            Source::Stdin(bytes) => Ok(Box::new(std::io::Cursor::new(SharedBytes(Arc::clone(
                bytes,
            ))))),
        }
    }

    /// Reads stdin whole.
    pub fn stdin() -> Result<Source, InputError> {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|source| InputError::Io {
                path: "stdin".into(),
                source,
            })?;
        Ok(Source::Stdin(Arc::new(bytes)))
    }

    /// The first bytes, to sniff a format or a delimiter.
    pub fn head(&self, n: usize) -> Result<Vec<u8>, InputError> {
        let mut buffer = Vec::with_capacity(n);
        self.open()?
            .take(n as u64)
            .read_to_end(&mut buffer)
            .map_err(|source| InputError::Io {
                path: self.name(),
                source,
            })?;
        Ok(buffer)
    }
}

/// Shared bytes as a reader's buffer, without a copy.
struct SharedBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// The format of an input that does not say: JSON Lines when its first character (after a
/// byte-order mark and blanks) opens an object, CSV otherwise.
pub fn sniff_format(head: &[u8]) -> Format {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Format::Jsonl,
        _ => Format::Csv,
    }
}

/// The delimiter of a CSV header line: the most frequent of `,` `;` and tab outside quotes
/// (`,` when there is none or a tie).
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for byte in line {
        if *byte == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (delimiter, count) in &mut counts {
                if byte == delimiter {
                    *count += 1;
                }
            }
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    counts
        .iter()
        .find(|(_, n)| *n == best && best > 0)
        .map_or(b',', |(d, _)| *d)
}

/// How to read the input.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// CSV or JSONL.
    pub format: Format,
    /// The CSV delimiter.
    pub delimiter: u8,
    /// The column (or JSONL key) naming each row, when rows have ids.
    pub id_column: Option<String>,
    /// Only the first rows.
    pub limit: Option<u64>,
}

/// One lead.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// 1-based line where it starts.
    pub line: u64,
    /// Its facts.
    pub lead: Map<String, Value>,
    /// Its id, when rows have ids.
    pub id: Option<String>,
}

/// A reader that hashes every byte it hands out.
struct Hashing {
    inner: Box<dyn Read>,
    hasher: Arc<Mutex<Sha256>>,
}

impl Read for Hashing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut hasher) = self.hasher.lock() {
            hasher.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Reads records one by one.
pub struct Records {
    inner: Inner,
    name: String,
    id_column: Option<String>,
    left: Option<u64>,
    hasher: Arc<Mutex<Sha256>>,
}

enum Inner {
    Csv {
        reader: csv::Reader<Hashing>,
        headers: Vec<String>,
        record: csv::StringRecord,
    },
    Jsonl {
        lines: std::io::Lines<BufReader<Hashing>>,
        line: u64,
    },
}

impl Records {
    /// Opens the source.
    pub fn open(source: &Source, options: &ReadOptions) -> Result<Self, InputError> {
        let name = source.name();
        let hasher = Arc::new(Mutex::new(Sha256::new()));
        let reader = Hashing {
            inner: source.open()?,
            hasher: Arc::clone(&hasher),
        };
        let whole = |message: String| InputError::Whole {
            path: name.clone(),
            message,
        };
        let line_error = |line: u64, message: String| InputError::Line {
            path: name.clone(),
            line,
            message,
        };
        let inner = match options.format {
            Format::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(true)
                    .flexible(false)
                    .delimiter(options.delimiter)
                    .from_reader(reader);
                let headers: Vec<String> = reader
                    .headers()
                    .map_err(|e| csv_error(&name, &e, 1))?
                    .iter()
                    .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
                    .collect();
                if headers.iter().all(String::is_empty) {
                    return Err(line_error(1, "the CSV header is empty".into()));
                }
                for (i, header) in headers.iter().enumerate() {
                    if header.is_empty() {
                        return Err(line_error(
                            1,
                            format!("column {} of the header has no name", i + 1),
                        ));
                    }
                    if headers[..i].contains(header) {
                        return Err(line_error(1, format!("the header names `{header}` twice")));
                    }
                }
                if let Some(id) = &options.id_column
                    && !headers.contains(id)
                {
                    return Err(whole(format!(
                        "--id-column `{id}` is not a column of the header ({})",
                        headers.join(", ")
                    )));
                }
                Inner::Csv {
                    reader,
                    headers,
                    record: csv::StringRecord::new(),
                }
            }
            Format::Jsonl => Inner::Jsonl {
                lines: BufReader::new(reader).lines(),
                line: 0,
            },
        };
        Ok(Records {
            inner,
            name,
            id_column: options.id_column.clone(),
            left: options.limit,
            hasher,
        })
    }

    /// The CSV header, if the input is CSV.
    pub fn headers(&self) -> Option<&[String]> {
        match &self.inner {
            Inner::Csv { headers, .. } => Some(headers),
            Inner::Jsonl { .. } => None,
        }
    }

    /// The digest of every byte read so far (all of them once the records are exhausted).
    pub fn digest(&self) -> String {
        let hasher = self.hasher.lock().map(|h| h.clone()).unwrap_or_default();
        hex(&hasher.finalize())
    }

    fn line_error(&self, line: u64, message: impl Into<String>) -> InputError {
        InputError::Line {
            path: self.name.clone(),
            line,
            message: message.into(),
        }
    }

    /// The id of a lead, when rows have ids.
    fn id_of(&self, lead: &Map<String, Value>, line: u64) -> Result<Option<String>, InputError> {
        let Some(column) = &self.id_column else {
            return Ok(None);
        };
        let id = match lead.get(column) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => {
                return Err(self.line_error(line, format!("the id column `{column}` is blank")));
            }
        };
        Ok(Some(id))
    }
}

fn csv_error(name: &str, err: &csv::Error, fallback_line: u64) -> InputError {
    let line = err.position().map_or(fallback_line, csv::Position::line);
    let message = match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} cells like the header, found {len}"),
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_owned(),
        _ => err.to_string(),
    };
    InputError::Line {
        path: name.to_owned(),
        line,
        message,
    }
}

impl Iterator for Records {
    type Item = Result<Record, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == Some(0) {
            return None;
        }
        let record = match &mut self.inner {
            Inner::Csv {
                reader,
                headers,
                record,
            } => match reader.read_record(record) {
                Ok(false) => return None,
                Err(err) => return Some(Err(csv_error(&self.name, &err, 0))),
                Ok(true) => {
                    let line = record.position().map_or(0, csv::Position::line);
                    let lead: Map<String, Value> = headers
                        .iter()
                        .zip(record.iter())
                        .filter(|(_, cell)| !cell.trim().is_empty())
                        .map(|(h, cell)| (h.clone(), Value::String(cell.to_owned())))
                        .collect();
                    if lead.is_empty() {
                        return Some(Err(self.line_error(line, "the row has no values")));
                    }
                    (line, lead)
                }
            },
            Inner::Jsonl { lines, line } => loop {
                let text = match lines.next()? {
                    Ok(text) => text,
                    Err(err) => {
                        *line += 1;
                        let at = *line;
                        return Some(Err(
                            self.line_error(at, format!("cannot read the line: {err}"))
                        ));
                    }
                };
                *line += 1;
                // A byte-order mark (as some editors write) opens the first line.
                let text = match text.strip_prefix('\u{feff}') {
                    Some(rest) if *line == 1 => rest.to_owned(),
                    _ => text,
                };
                if text.trim().is_empty() {
                    continue;
                }
                let at = *line;
                match serde_json::from_str::<Value>(&text) {
                    Err(err) => {
                        return Some(Err(self.line_error(at, format!("not valid JSON: {err}"))));
                    }
                    Ok(Value::Object(lead)) if lead.is_empty() => {
                        return Some(Err(self.line_error(at, "the lead is an empty object")));
                    }
                    Ok(Value::Object(lead)) => break (at, lead),
                    Ok(other) => {
                        return Some(Err(self.line_error(
                            at,
                            format!(
                                "expected a JSON object of lead facts, found {}",
                                kind(&other)
                            ),
                        )));
                    }
                }
            },
        };
        let (line, lead) = record;
        if let Some(left) = &mut self.left {
            *left -= 1;
        }
        Some(self.id_of(&lead, line).map(|id| Record { line, lead, id }))
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What a full check of the input learns.
#[derive(Debug, Clone)]
pub struct Survey {
    /// The columns: the CSV header, or every JSONL key in order of first appearance.
    pub columns: Vec<String>,
    /// SHA-256 of the bytes read.
    pub digest: String,
}

/// Reads every record once and checks each as the journal will: a usable lead (not all
/// blank), an id when rows have ids, no two rows with the same id and content. With a limit,
/// the rows past it are still checked (a bad line anywhere is found now), not counted.
pub fn check(
    source: &Source,
    options: &ReadOptions,
    template: &Template,
) -> Result<Survey, InputError> {
    let whole = ReadOptions {
        limit: None,
        ..options.clone()
    };
    let mut records = Records::open(source, &whole)?;
    let mut columns: Vec<String> = records
        .headers()
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    let mut keys = KeyAssigner::default();
    let mut rows = 0;
    let name = source.name();
    for (seen, record) in (1u64..).zip(records.by_ref()) {
        let record = record?;
        let counted = options.limit.is_none_or(|limit| seen <= limit);
        let line_error = |message: String| InputError::Line {
            path: name.clone(),
            line: record.line,
            message,
        };
        let request = template.request(record.lead.clone());
        request.validate().map_err(|err| {
            line_error(match err {
                sixtyfour::Error::InvalidRequest { message } => message,
                other => other.to_string(),
            })
        })?;
        if !counted {
            continue;
        }
        rows += 1;
        keys.assign(
            &request_hash(&request),
            record.id.as_deref(),
            &format!("line {}", record.line),
        )
        .map_err(|dup| InputError::Whole {
            path: name.clone(),
            message: dup.to_string(),
        })?;
        if options.format == Format::Jsonl {
            for key in record.lead.keys() {
                if !columns.iter().any(|c| c == key) {
                    columns.push(key.clone());
                }
            }
        }
    }
    if rows == 0 {
        return Err(InputError::Whole {
            path: name,
            message: "the input has no leads".into(),
        });
    }
    Ok(Survey {
        columns,
        digest: records.digest(),
    })
}

/// The rows for the journal: the second read, which fails (and so records nothing) if the
/// input is not the one [`check`] read.
pub fn rows(source: &Source, options: &ReadOptions, digest: String) -> Result<Rows, InputError> {
    Ok(Rows {
        records: Records::open(source, options)?,
        digest,
        done: false,
    })
}

/// See [`rows`].
pub struct Rows {
    records: Records,
    digest: String,
    done: bool,
}

impl Iterator for Rows {
    type Item = Result<InputRow, LedgerError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let bad = |message: String| LedgerError::BadInput {
            at: "the input".into(),
            message,
        };
        match self.records.next() {
            Some(Ok(record)) => {
                let mut row = InputRow::from(record.lead).at_line(record.line);
                row.id = record.id;
                Some(Ok(row))
            }
            Some(Err(err)) => {
                self.done = true;
                Some(Err(bad(format!(
                    "{err} (the input changed while it was read)"
                ))))
            }
            None => {
                self.done = true;
                // With --limit the rest is not read: the digest covers what was.
                if self.records.left.is_none() && self.records.digest() != self.digest {
                    return Some(Err(bad(
                        "the input changed while it was read; nothing was recorded: run again"
                            .into(),
                    )));
                }
                None
            }
        }
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sixtyfour::Schema;

    fn template() -> Template {
        Template::new(
            Schema::builder()
                .describe("email", "Email")
                .build()
                .unwrap(),
        )
    }

    fn options(format: Format) -> ReadOptions {
        ReadOptions {
            format,
            delimiter: b',',
            id_column: None,
            limit: None,
        }
    }

    fn source(text: &str) -> Source {
        Source::Stdin(Arc::new(text.as_bytes().to_vec()))
    }

    #[test]
    fn csv_rows_keep_non_empty_cells() {
        let input = source("name,company,email\nAda,Lanternfish,\n,Kestrel,bo@k.example\n");
        let records: Vec<Record> = Records::open(&input, &options(Format::Csv))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(records.len(), 2);
        assert_eq!(
            Value::Object(records[0].lead.clone()),
            serde_json::json!({"name": "Ada", "company": "Lanternfish"})
        );
        assert_eq!(records[1].line, 3);
        let survey = check(&input, &options(Format::Csv), &template()).unwrap();
        assert_eq!((survey.columns.len(), survey.digest.len()), (3, 64));
        // The second pass reads the same bytes.
        let rows: Vec<_> = rows(&input, &options(Format::Csv), survey.digest.clone())
            .unwrap()
            .collect();
        assert!(rows.iter().all(Result::is_ok));
        let changed = source("name,company,email\nAda,Lanternfish,\n,Kestrel,bo@k.example\nCy,,\n");
        let rows: Vec<_> = super::rows(&changed, &options(Format::Csv), survey.digest)
            .unwrap()
            .collect();
        assert!(
            rows.last()
                .unwrap()
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("changed")
        );
    }

    #[test]
    fn problems_name_their_line() {
        let rows: [(&str, Format, Option<&str>, &str); 10] = [
            (
                "name,company\nAda,L\nBo\n",
                Format::Csv,
                None,
                "line 3: expected 2 cells like the header, found 1",
            ),
            (
                "name,company\nAda,L\n , \n",
                Format::Csv,
                None,
                "line 3: the row has no values",
            ),
            (
                "name,name\nAda,L\n",
                Format::Csv,
                None,
                "line 1: the header names `name` twice",
            ),
            (
                "{\"name\": \"Ada\"}\n\n{oops\n",
                Format::Jsonl,
                None,
                "line 3: not valid JSON",
            ),
            (
                "{\"name\": \"Ada\"}\n[1, 2]\n",
                Format::Jsonl,
                None,
                "line 2: expected a JSON object of lead facts, found an array",
            ),
            (
                "{}\n",
                Format::Jsonl,
                None,
                "line 1: the lead is an empty object",
            ),
            (
                "{\"name\": \" \", \"email\": null}\n",
                Format::Jsonl,
                None,
                "line 1: Invalid lead information: the lead has no facts",
            ),
            ("\n\n", Format::Jsonl, None, "the input has no leads"),
            (
                "id,name\n7,Ada\n,Bo\n",
                Format::Csv,
                Some("id"),
                "line 3: the id column `id` is blank",
            ),
            (
                "id,name\n7,Ada\n8,Bo\n7,Ada\n",
                Format::Csv,
                Some("id"),
                "rows at line 2 and line 4 have the same id `7` and the same content",
            ),
        ];
        for (text, format, id, want) in rows {
            let options = ReadOptions {
                id_column: id.map(str::to_owned),
                ..options(format)
            };
            let err = check(&source(text), &options, &template())
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{err} should contain {want}");
        }
        let missing = ReadOptions {
            id_column: Some("crm".into()),
            ..options(Format::Csv)
        };
        let err = check(&source("id,name\n7,Ada\n"), &missing, &template())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--id-column `crm` is not a column of the header (id, name)"),
            "{err}"
        );
    }

    #[test]
    fn formats_and_delimiters_are_sniffed() {
        let formats = [
            (&b"{\"name\": \"Ada\"}\n"[..], Format::Jsonl),
            (b"\xef\xbb\xbf  \n{\"a\": 1}", Format::Jsonl),
            (b"name,company\n", Format::Csv),
            (b"", Format::Csv),
        ];
        for (head, want) in formats {
            assert_eq!(sniff_format(head), want);
        }
        let delimiters = [
            (&b"name,company,email\nA;B,C"[..], b','),
            (b"name;company;email\n", b';'),
            (b"name\tcompany\n", b'\t'),
            (b"\"Name, full\";company;email\n", b';'),
            (b"name\n", b','),
            (b"a,b;c\n", b','),
        ];
        for (head, want) in delimiters {
            assert_eq!(
                sniff_delimiter(head),
                want,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        let semicolons = source("name;company;email\nAda Quill;Lanternfish;\n");
        let options = ReadOptions {
            delimiter: b';',
            ..options(Format::Csv)
        };
        let records: Vec<Record> = Records::open(&semicolons, &options)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            Value::Object(records[0].lead.clone()),
            serde_json::json!({"name": "Ada Quill", "company": "Lanternfish"})
        );
    }

    #[test]
    fn byte_order_marks_and_crlf_are_read_in_both_formats() {
        let jsonl = source("\u{feff}{\"name\": \"Ada\"}\r\n{\"name\": \"Bo\"}\r\n");
        assert_eq!(sniff_format(&jsonl.head(64).unwrap()), Format::Jsonl);
        let records: Vec<Record> = Records::open(&jsonl, &options(Format::Jsonl))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].lead["name"], "Ada");
        let csv = source("\u{feff}name,company\r\nAda,Kestrel\r\n");
        let records: Vec<Record> = Records::open(&csv, &options(Format::Csv))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            Value::Object(records[0].lead.clone()),
            serde_json::json!({"name": "Ada", "company": "Kestrel"})
        );
        // Only the first line may open with one.
        let inner = source("{\"name\": \"Ada\"}\n\u{feff}{\"name\": \"Bo\"}\n");
        let err = check(&inner, &options(Format::Jsonl), &template())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2: not valid JSON"), "{err}");
    }

    #[test]
    fn limits_and_ids() {
        let text = "{\"id\": 7, \"name\": \"Ada\"}\n{\"id\": \"x\", \"name\": \"Bo\"}\n{\"id\": 9, \"name\": \"Cy\"}\n";
        let options = ReadOptions {
            id_column: Some("id".into()),
            limit: Some(2),
            ..options(Format::Jsonl)
        };
        let records: Vec<Record> = Records::open(&source(text), &options)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let ids: Vec<_> = records.iter().map(|r| r.id.clone().unwrap()).collect();
        assert_eq!(ids, ["7", "x"]);
    }
}
