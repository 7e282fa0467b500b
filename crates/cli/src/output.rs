//! Writing results in input order, as JSON Lines or CSV, to a temporary file renamed into place
//! so that a reader never sees half an output.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::journal::{RowRecord, RowState};

/// The output's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON object per input row.
    Jsonl,
    /// Input columns, then one column per field, confidence, status, error.
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

/// How a row ended, as the output says it.
pub fn status(record: &RowRecord) -> (&'static str, Option<String>) {
    match &record.state {
        RowState::Completed => ("completed", None),
        RowState::Failed => ("failed", record.error.clone()),
        RowState::Unknown | RowState::Submitting => {
            (
                "unknown",
                Some(record.error.clone().unwrap_or_else(|| {
                    "the submit's outcome is unknown: the job may exist".into()
                })),
            )
        }
        RowState::Submitted(_) => (
            "unknown",
            Some(
                record
                    .error
                    .clone()
                    .unwrap_or_else(|| "still running: re-run the same command to resume".into()),
            ),
        ),
        RowState::Pending => (
            "unknown",
            Some("not submitted: re-run the same command to resume".into()),
        ),
    }
}

/// Writes the rows one by one.
pub struct Writer {
    target: PathBuf,
    temporary: PathBuf,
    json: Option<BufWriter<File>>,
    csv: Option<csv::Writer<File>>,
    input_columns: Vec<String>,
    fields: Vec<String>,
}

impl Writer {
    /// Starts writing to a temporary file beside `target`.
    pub fn create(
        target: &Path,
        format: OutputFormat,
        input_columns: Vec<String>,
        fields: Vec<String>,
    ) -> std::io::Result<Self> {
        let mut temporary = target.as_os_str().to_owned();
        temporary.push(".partial");
        let temporary = PathBuf::from(temporary);
        let file = File::create(&temporary)?;
        let mut writer = Writer {
            target: target.to_owned(),
            temporary,
            json: None,
            csv: None,
            input_columns,
            fields,
        };
        match format {
            OutputFormat::Jsonl => writer.json = Some(BufWriter::new(file)),
            OutputFormat::Csv => {
                let mut csv = csv::Writer::from_writer(file);
                let mut header = writer.input_columns.clone();
                for field in &writer.fields {
                    if writer.input_columns.contains(field) {
                        header.push(format!("enriched.{field}"));
                    } else {
                        header.push(field.clone());
                    }
                }
                header.extend([
                    "confidence_score".to_owned(),
                    "status".to_owned(),
                    "error".to_owned(),
                ]);
                csv.write_record(&header).map_err(std::io::Error::other)?;
                writer.csv = Some(csv);
            }
        }
        Ok(writer)
    }

    /// Writes one row.
    pub fn row(&mut self, lead: &Map<String, Value>, record: &RowRecord) -> std::io::Result<()> {
        let result: Value = record
            .result
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or(Value::Null);
        let (status, error) = status(record);
        if let Some(out) = &mut self.json {
            let line = json!({
                "row": record.row,
                "lead": lead,
                "status": status,
                "task_id": record.task_id,
                "structured_data": result.get("structured_data").cloned().unwrap_or(Value::Null),
                "notes": result.get("notes").cloned().unwrap_or(Value::Null),
                "references": result.get("references").cloned().unwrap_or(Value::Null),
                "confidence_score": result.get("confidence_score").cloned().unwrap_or(Value::Null),
                "error": error,
            });
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
        if let Some(out) = &mut self.csv {
            let mut cells: Vec<String> = self
                .input_columns
                .iter()
                .map(|c| cell(lead.get(c)))
                .collect();
            let data = result.get("structured_data");
            for field in &self.fields {
                cells.push(cell(data.and_then(|d| d.get(field))));
            }
            cells.push(cell(result.get("confidence_score")));
            cells.push(status.to_owned());
            cells.push(error.unwrap_or_default());
            out.write_record(&cells).map_err(std::io::Error::other)?;
        }
        Ok(())
    }

    /// Flushes and renames the file into place.
    pub fn finish(mut self) -> std::io::Result<()> {
        if let Some(mut out) = self.json.take() {
            out.flush()?;
            out.get_ref().sync_all()?;
        }
        if let Some(out) = self.csv.take() {
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        }
        std::fs::rename(&self.temporary, &self.target)?;
        Ok(())
    }
}

/// A value as one CSV cell: text as is, lists and dicts as JSON text, null empty.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}
