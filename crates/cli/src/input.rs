//! Reading leads from CSV (a header, each row's non-empty cells) or JSON Lines (one object per
//! line), one record at a time, with the line of every problem.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

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
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// A problem with the input, at a line.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not a usable lead.
    #[error("line {line}: {message}")]
    Line {
        /// 1-based line number in the file.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

/// One lead.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// 1-based position among the records.
    pub row: u64,
    /// 1-based line where it starts.
    pub line: u64,
    /// Its facts.
    pub lead: Map<String, Value>,
}

/// Reads records one by one.
pub struct Records {
    inner: Inner,
    row: u64,
}

enum Inner {
    Csv {
        reader: csv::Reader<Box<dyn Read>>,
        headers: Vec<String>,
        record: csv::StringRecord,
    },
    Jsonl {
        lines: std::io::Lines<BufReader<Box<dyn Read>>>,
        line: u64,
    },
}

fn open(path: &Path) -> Result<Box<dyn Read>, InputError> {
    File::open(path)
        .map(|f| Box::new(f) as Box<dyn Read>)
        .map_err(|source| InputError::Io {
            path: path.display().to_string(),
            source,
        })
}

impl Records {
    /// Opens `path` as `format`.
    pub fn open(path: &Path, format: Format) -> Result<Self, InputError> {
        let file = open(path)?;
        let inner = match format {
            Format::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(true)
                    .flexible(false)
                    .from_reader(file);
                let headers: Vec<String> = reader
                    .headers()
                    .map_err(|e| csv_error(&e, 1))?
                    .iter()
                    .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
                    .collect();
                if headers.iter().all(String::is_empty) {
                    return Err(InputError::Line {
                        line: 1,
                        message: "the CSV header is empty".into(),
                    });
                }
                for (i, name) in headers.iter().enumerate() {
                    if name.is_empty() {
                        return Err(InputError::Line {
                            line: 1,
                            message: format!("column {} of the header has no name", i + 1),
                        });
                    }
                    if headers[..i].contains(name) {
                        return Err(InputError::Line {
                            line: 1,
                            message: format!("the header names `{name}` twice"),
                        });
                    }
                }
                Inner::Csv {
                    reader,
                    headers,
                    record: csv::StringRecord::new(),
                }
            }
            Format::Jsonl => Inner::Jsonl {
                lines: BufReader::new(file).lines(),
                line: 0,
            },
        };
        Ok(Records { inner, row: 0 })
    }

    /// The CSV header, if the input is CSV.
    pub fn headers(&self) -> Option<&[String]> {
        match &self.inner {
            Inner::Csv { headers, .. } => Some(headers),
            Inner::Jsonl { .. } => None,
        }
    }
}

fn csv_error(err: &csv::Error, fallback_line: u64) -> InputError {
    let line = err.position().map_or(fallback_line, csv::Position::line);
    let message = match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} cells like the header, found {len}")
        }
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_owned(),
        _ => err.to_string(),
    };
    InputError::Line { line, message }
}

impl Iterator for Records {
    type Item = Result<Record, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Csv {
                reader,
                headers,
                record,
            } => match reader.read_record(record) {
                Ok(false) => None,
                Err(err) => Some(Err(csv_error(&err, 0))),
                Ok(true) => {
                    let line = record.position().map_or(0, csv::Position::line);
                    let lead: Map<String, Value> = headers
                        .iter()
                        .zip(record.iter())
                        .filter(|(_, cell)| !cell.trim().is_empty())
                        .map(|(h, cell)| (h.clone(), Value::String(cell.to_owned())))
                        .collect();
                    if lead.is_empty() {
                        return Some(Err(InputError::Line {
                            line,
                            message: "the row has no values".into(),
                        }));
                    }
                    self.row += 1;
                    Some(Ok(Record {
                        row: self.row,
                        line,
                        lead,
                    }))
                }
            },
            Inner::Jsonl { lines, line } => loop {
                let text = match lines.next()? {
                    Ok(text) => text,
                    Err(err) => {
                        *line += 1;
                        return Some(Err(InputError::Line {
                            line: *line,
                            message: format!("cannot read the line: {err}"),
                        }));
                    }
                };
                *line += 1;
                if text.trim().is_empty() {
                    continue;
                }
                let at = *line;
                let fail = |message: String| Some(Err(InputError::Line { line: at, message }));
                return match serde_json::from_str::<Value>(&text) {
                    Err(err) => fail(format!("not valid JSON: {err}")),
                    Ok(Value::Object(lead)) if lead.is_empty() => {
                        fail("the lead is an empty object".into())
                    }
                    Ok(Value::Object(lead)) => {
                        self.row += 1;
                        Some(Ok(Record {
                            row: self.row,
                            line: at,
                            lead,
                        }))
                    }
                    Ok(other) => fail(format!(
                        "expected a JSON object of lead facts, found {}",
                        kind(&other)
                    )),
                };
            },
        }
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

/// What a full validation pass learns.
#[derive(Debug, Clone)]
pub struct Survey {
    /// How many records there are.
    pub rows: u64,
    /// The columns: the CSV header, or every JSONL key in order of first appearance.
    pub columns: Vec<String>,
    /// SHA-256 of the file's bytes.
    pub digest: String,
}

/// Reads every record once, stopping at the first problem, and hashes the file.
pub fn survey(path: &Path, format: Format) -> Result<Survey, InputError> {
    let mut records = Records::open(path, format)?;
    let mut columns: Vec<String> = records
        .headers()
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    let mut rows = 0;
    for record in records.by_ref() {
        let record = record?;
        rows += 1;
        if format == Format::Jsonl {
            for key in record.lead.keys() {
                if !columns.iter().any(|c| c == key) {
                    columns.push(key.clone());
                }
            }
        }
    }
    if rows == 0 {
        return Err(InputError::Line {
            line: 1,
            message: "the input has no leads".into(),
        });
    }
    let mut hasher = Sha256::new();
    let mut file = open(path)?;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buffer).map_err(|source| InputError::Io {
            path: path.display().to_string(),
            source,
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(Survey {
        rows,
        columns,
        digest: hex(&hasher.finalize()),
    })
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("sixtyfour-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn csv_rows_keep_non_empty_cells() {
        let path = write(
            "a.csv",
            "name,company,email\nAda,Lanternfish,\n,Kestrel,bo@k.example\n",
        );
        let records: Vec<Record> = Records::open(&path, Format::Csv)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[0].lead,
            serde_json::json!({"name": "Ada", "company": "Lanternfish"})
                .as_object()
                .cloned()
                .unwrap()
        );
        assert_eq!((records[1].row, records[1].line), (2, 3));
        let survey = survey(&path, Format::Csv).unwrap();
        assert_eq!(
            (survey.rows, survey.columns.len(), survey.digest.len()),
            (2, 3, 64)
        );
    }

    #[test]
    fn problems_name_their_line() {
        let rows: [(&str, Format, &str); 7] = [
            (
                "name,company\nAda,L\nBo\n",
                Format::Csv,
                "line 3: expected 2 cells like the header, found 1",
            ),
            (
                "name,company\nAda,L\n , \n",
                Format::Csv,
                "line 3: the row has no values",
            ),
            (
                "name,name\nAda,L\n",
                Format::Csv,
                "line 1: the header names `name` twice",
            ),
            (
                "{\"name\": \"Ada\"}\n\n{oops\n",
                Format::Jsonl,
                "line 3: not valid JSON",
            ),
            (
                "{\"name\": \"Ada\"}\n[1, 2]\n",
                Format::Jsonl,
                "line 2: expected a JSON object of lead facts, found an array",
            ),
            ("{}\n", Format::Jsonl, "line 1: the lead is an empty object"),
            ("\n\n", Format::Jsonl, "line 1: the input has no leads"),
        ];
        for (i, (text, format, want)) in rows.into_iter().enumerate() {
            let path = write(&format!("bad{i}"), text);
            let err = survey(&path, format).unwrap_err().to_string();
            assert!(err.starts_with(want), "{err} should start with {want}");
        }
    }
}
