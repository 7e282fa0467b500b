//! Writing results from the journal in input order, as JSON Lines or CSV, to a temporary file
//! that is locked, synced and renamed into place (a reader never sees half an output, two
//! writers never mix theirs), or to stdout.
//! The rows written are counted as they are written, so the summary always matches the file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use sixtyfour_ledger::{Counts, RowKey, RowOutcome, RowState};

/// The output's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per input row.
    Jsonl,
    /// Input columns, one column per field, then confidence, status, error, task id.
    Csv,
}

impl OutputFormat {
    /// CSV for `.csv`, JSON Lines otherwise.
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("csv") => OutputFormat::Csv,
            _ => OutputFormat::Jsonl,
        }
    }
}

/// Where the output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file, replaced at the end.
    File(PathBuf),
    /// Standard output.
    Stdout,
}

impl Target {
    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            Target::File(path) => path.display().to_string(),
            Target::Stdout => "stdout".into(),
        }
    }

    /// The temporary file written before the rename.
    pub fn temporary(path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(".partial");
        PathBuf::from(name)
    }
}

/// The status columns of a CSV output, in order.
pub const STATUS_COLUMNS: [&str; 4] = ["confidence_score", "status", "error", "task_id"];

/// The CSV header: the input columns as they are, then each field, then the status columns.
/// A name already taken gets a prefix (`enriched.` for a field, `sixtyfour.` for a status
/// column), then a numeric suffix (`~2`, `~3`...) until it is free, so no two columns share a
/// name whatever the input and the fields are called.
///
/// ```text
/// input: name, status      fields: name, enriched.name      ->
/// name, status, enriched.name, enriched.enriched.name, confidence_score, sixtyfour.status, error, task_id
/// ```
pub fn csv_header(input_columns: &[String], fields: &[String]) -> Vec<String> {
    let mut header: Vec<String> = input_columns.to_vec();
    let take = |name: &str, prefix: &str, header: &mut Vec<String>| {
        let mut candidate = name.to_owned();
        if header.contains(&candidate) {
            candidate = format!("{prefix}{name}");
        }
        let base = candidate.clone();
        let mut n = 2;
        while header.contains(&candidate) {
            candidate = format!("{base}~{n}");
            n += 1;
        }
        header.push(candidate);
    };
    for field in fields {
        take(field, "enriched.", &mut header);
    }
    for column in STATUS_COLUMNS {
        take(column, "sixtyfour.", &mut header);
    }
    header
}

/// Writes the rows one by one.
pub struct Writer {
    target: Target,
    json: Option<BufWriter<Box<dyn Write>>>,
    csv: Option<csv::Writer<Box<dyn Write>>>,
    file: Option<File>,
    input_columns: Vec<String>,
    fields: Vec<String>,
    with_id: bool,
    written: Counts,
    /// The temporary file was renamed into place (or there is none).
    done: bool,
}

/// A run that could not finish its output leaves the previous output as it was and no
/// temporary file behind (the journal keeps every answer for the next run).
impl Drop for Writer {
    fn drop(&mut self) {
        if !self.done
            && let Target::File(path) = &self.target
        {
            let _ = std::fs::remove_file(Target::temporary(path));
        }
    }
}

impl Writer {
    /// Starts writing: to a temporary file beside the target, or to stdout.
    pub fn create(
        target: Target,
        format: OutputFormat,
        input_columns: Vec<String>,
        fields: Vec<String>,
        with_id: bool,
    ) -> std::io::Result<Self> {
        let (out, file): (Box<dyn Write>, Option<File>) = match &target {
            Target::File(path) => {
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create(true).truncate(false);
                // Leads and answers are personal data: a new output is its owner's to read; one
                // that exists keeps the permissions it was given.
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let file = options.open(Target::temporary(path))?;
                // Two runs writing one output (each with its own journal) would interleave
                // their bytes in one temporary file: the second one is refused.
                match file.try_lock() {
                    Ok(()) => {}
                    Err(std::fs::TryLockError::WouldBlock) => {
                        return Err(std::io::Error::other(
                            "another run is writing this output right now: wait for it to finish, or name another output (the journal keeps every answer)",
                        ));
                    }
                    Err(std::fs::TryLockError::Error(err)) => return Err(err),
                }
                file.set_len(0)?;
                let permissions = match std::fs::metadata(path) {
                    Ok(existing) => existing.permissions(),
                    Err(_) => private(file.metadata()?.permissions()),
                };
                file.set_permissions(permissions)?;
                (Box::new(file.try_clone()?), Some(file))
            }
            Target::Stdout => (Box::new(std::io::stdout()), None),
        };
        let mut writer = Writer {
            target,
            json: None,
            csv: None,
            file,
            input_columns,
            fields,
            with_id,
            written: Counts::default(),
            done: false,
        };
        match format {
            OutputFormat::Jsonl => writer.json = Some(BufWriter::new(out)),
            OutputFormat::Csv => {
                let mut csv = csv::Writer::from_writer(out);
                let header = csv_header(&writer.input_columns, &writer.fields);
                csv.write_record(header.iter().map(|name| inert(name)))
                    .map_err(std::io::Error::other)?;
                writer.csv = Some(csv);
            }
        }
        Ok(writer)
    }

    /// Writes one row.
    pub fn row(&mut self, row: &RowOutcome) -> std::io::Result<()> {
        self.written.add(row.state);
        // Only a completed row's answer is its own (a row made `unknown` after it answered, by
        // a task id handed out again, keeps the answer in the journal, not in the output).
        let answered = row.state == RowState::Completed;
        let raw = match &row.raw_answer {
            Some(raw) if answered => raw.clone(),
            _ => Value::Null,
        };
        let data = if answered {
            row.structured_data().unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        let error = match (&row.error, &row.cast_error) {
            (Some(error), _) => Some(error.clone()),
            (None, Some(cast)) => Some(format!("the answer does not fit its types: {cast}")),
            (None, None) => None,
        };
        if let Some(out) = &mut self.json {
            let mut line = Map::new();
            line.insert("row".into(), json!(row.position));
            if self.with_id
                && let RowKey::Id(id) = &row.key
            {
                line.insert("id".into(), json!(id));
            }
            line.insert("lead".into(), Value::Object(row.lead.clone()));
            line.insert("status".into(), json!(row.state.as_str()));
            line.insert(
                "task_id".into(),
                json!(row.task_id.as_ref().map(|t| t.as_str())),
            );
            line.insert("structured_data".into(), data.clone());
            for key in ["notes", "references", "confidence_score"] {
                line.insert(key.into(), raw.get(key).cloned().unwrap_or(Value::Null));
            }
            line.insert("error".into(), json!(error));
            line.insert(
                "error_class".into(),
                json!(row.error_class.map(|c| c.as_str())),
            );
            serde_json::to_writer(&mut *out, &Value::Object(line))?;
            out.write_all(b"\n")?;
        }
        if let Some(out) = &mut self.csv {
            let mut cells: Vec<String> = self
                .input_columns
                .iter()
                .map(|c| cell(row.lead.get(c)))
                .collect();
            for field in &self.fields {
                cells.push(cell(data.get(field)));
            }
            cells.push(cell(raw.get("confidence_score")));
            cells.push(row.state.as_str().to_owned());
            cells.push(inert(&error.unwrap_or_default()));
            cells.push(
                row.task_id
                    .as_ref()
                    .map(|t| inert(t.as_str()))
                    .unwrap_or_default(),
            );
            out.write_record(&cells).map_err(std::io::Error::other)?;
        }
        Ok(())
    }

    /// Flushes, syncs and renames the file into place; returns the rows written per state.
    pub fn finish(mut self) -> std::io::Result<Counts> {
        if let Some(mut out) = self.json.take() {
            out.flush()?;
        }
        if let Some(mut out) = self.csv.take() {
            out.flush()?;
        }
        if let (Some(file), Target::File(path)) = (self.file.take(), &self.target) {
            file.sync_all()?;
            std::fs::rename(Target::temporary(path), path)?;
        }
        self.done = true;
        Ok(self.written)
    }
}

/// Permissions for the owner alone.
fn private(permissions: std::fs::Permissions) -> std::fs::Permissions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut permissions = permissions;
        permissions.set_mode(0o600);
        permissions
    }
    #[cfg(not(unix))]
    permissions
}

/// A value as one CSV cell: text as is, lists and dicts as JSON text, null empty; text that a
/// spreadsheet would run as a formula is neutralised ([`inert`]).
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => inert(s),
        Some(other) => inert(&other.to_string()),
    }
}

/// A cell that a spreadsheet would run as a formula (it begins with `=`, `+`, `-`, `@`, a tab
/// or a carriage return, and is not a plain number) gets a leading `'`, which spreadsheets
/// take as "text" and do not show. Answers come from research on the open web, so a value such
/// as `=HYPERLINK(...)` or `=cmd|...` must not run when the file is opened. The JSONL output
/// and the journal keep every value exactly.
pub fn inert(text: &str) -> String {
    let risky = text
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    let number = text.parse::<f64>().is_ok()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if risky && !number {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn csv_headers_never_repeat_a_name() {
        let rows: [(&[&str], &[&str], &[&str]); 5] = [
            (
                &["name", "company"],
                &["email", "title"],
                &[
                    "name",
                    "company",
                    "email",
                    "title",
                    "confidence_score",
                    "status",
                    "error",
                    "task_id",
                ],
            ),
            (
                &["name", "email"],
                &["email"],
                &[
                    "name",
                    "email",
                    "enriched.email",
                    "confidence_score",
                    "status",
                    "error",
                    "task_id",
                ],
            ),
            (
                &["status", "error", "confidence_score", "task_id"],
                &["title"],
                &[
                    "status",
                    "error",
                    "confidence_score",
                    "task_id",
                    "title",
                    "sixtyfour.confidence_score",
                    "sixtyfour.status",
                    "sixtyfour.error",
                    "sixtyfour.task_id",
                ],
            ),
            (
                &["name", "enriched.name"],
                &["name", "enriched.name"],
                &[
                    "name",
                    "enriched.name",
                    "enriched.name~2",
                    "enriched.enriched.name",
                    "confidence_score",
                    "status",
                    "error",
                    "task_id",
                ],
            ),
            (
                &["sixtyfour.status", "status"],
                &["status", "sixtyfour.status"],
                &[
                    "sixtyfour.status",
                    "status",
                    "enriched.status",
                    "enriched.sixtyfour.status",
                    "confidence_score",
                    "sixtyfour.status~2",
                    "error",
                    "task_id",
                ],
            ),
        ];
        for (input, fields, want) in rows {
            let header = csv_header(&names(input), &names(fields));
            assert_eq!(header, names(want));
            let mut unique = header.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), header.len(), "{header:?}");
        }
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_are_not() {
        let rows = [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            (
                "=HYPERLINK(\"http://x.example\")",
                "'=HYPERLINK(\"http://x.example\")",
            ),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("+1 415 555 0100", "'+1 415 555 0100"),
            ("-2+3", "'-2+3"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-5", "-5"),
            ("+3.25", "+3.25"),
            ("-1.5e3", "-1.5e3"),
            ("Ada = Lovelace", "Ada = Lovelace"),
            ("", ""),
            ("CEO & Co-Founder", "CEO & Co-Founder"),
            ("-inf", "'-inf"),
        ];
        for (text, want) in rows {
            assert_eq!(inert(text), want, "{text:?}");
        }
        assert_eq!(cell(Some(&json!(-7))), "-7");
        assert_eq!(cell(Some(&json!(["=1"]))), "[\"=1\"]");
        assert_eq!(cell(Some(&json!("=1+1"))), "'=1+1");
    }

    #[test]
    fn any_names_give_unique_headers() {
        let pool = [
            "a",
            "status",
            "enriched.a",
            "sixtyfour.status",
            "a~2",
            "error",
            "enriched.a~2",
        ];
        for i in 0..pool.len() {
            for j in 0..pool.len() {
                let input = names(&pool[..i]);
                let fields = names(&pool[j..]);
                let header = csv_header(&input, &fields);
                let mut unique = header.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(
                    unique.len(),
                    header.len(),
                    "{input:?} {fields:?} -> {header:?}"
                );
                assert_eq!(
                    header.len(),
                    input.len() + fields.len() + STATUS_COLUMNS.len()
                );
            }
        }
    }
}
