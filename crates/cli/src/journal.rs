//! The journal: one row per input record and where it is in its life, written before each
//! step so that a crash or Ctrl-C never loses a task id and a re-run never pays twice.
//! SQLite today, behind the small [`Journal`] trait so a shared database can back several
//! workers later.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

/// Where a row is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowState {
    /// Not submitted.
    Pending,
    /// Committed just before its submit left; found on resume, the job may exist.
    Submitting,
    /// Submitted; the task id is known.
    Submitted(String),
    /// Finished with a result (JSON text).
    Completed,
    /// Finished with an error.
    Failed,
    /// A submit whose outcome is unknown: the job may exist.
    Unknown,
}

impl RowState {
    fn name(&self) -> &'static str {
        match self {
            RowState::Pending => "pending",
            RowState::Submitting => "submitting",
            RowState::Submitted(_) => "submitted",
            RowState::Completed => "completed",
            RowState::Failed => "failed",
            RowState::Unknown => "unknown",
        }
    }
}

/// A row as the output needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct RowRecord {
    /// 1-based row.
    pub row: u64,
    /// Its state.
    pub state: RowState,
    /// The task id, once submitted (kept after the job ends).
    pub task_id: Option<String>,
    /// The result JSON, when completed.
    pub result: Option<String>,
    /// The error, when failed or unknown.
    pub error: Option<String>,
}

/// How many rows are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Not submitted yet.
    pub pending: u64,
    /// Submitted, still running (or past the deadline).
    pub submitted: u64,
    /// Done.
    pub completed: u64,
    /// Failed.
    pub failed: u64,
    /// Submit outcome unknown (including rows found `submitting`).
    pub unknown: u64,
}

/// A journal error: the file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("journal {path}: {message}")]
pub struct JournalError {
    /// The file.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Storage for row states. Every method commits before it returns.
pub trait Journal: Send {
    /// The fingerprint recorded when the journal was created, if it was.
    fn fingerprint(&self) -> Result<Option<String>, JournalError>;
    /// Records a new run: its fingerprint and `rows` pending rows.
    fn create(&mut self, fingerprint: &str, rows: u64) -> Result<(), JournalError>;
    /// After a crash: rows left `submitting` become `unknown` (or `pending` when
    /// `resubmit_unknown`, which also re-queues earlier unknown rows); `retry_failed` re-queues
    /// failed rows. Returns how many rows were found `submitting`.
    fn recover(&mut self, resubmit_unknown: bool, retry_failed: bool) -> Result<u64, JournalError>;
    /// One row's state.
    fn state(&self, row: u64) -> Result<RowState, JournalError>;
    /// Sets a row's state, with its result or error.
    fn set(
        &mut self,
        row: u64,
        state: &RowState,
        result: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), JournalError>;
    /// Rows per state.
    fn counts(&self) -> Result<Counts, JournalError>;
    /// Visits every row in order.
    fn for_each(
        &self,
        visit: &mut dyn FnMut(RowRecord) -> Result<(), String>,
    ) -> Result<(), JournalError>;
}

/// The SQLite journal (WAL mode).
pub struct SqliteJournal {
    connection: Connection,
    path: String,
}

impl SqliteJournal {
    /// Opens or creates the journal file.
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        let name = path.display().to_string();
        let connection = Connection::open(path).map_err(|e| JournalError {
            path: name.clone(),
            message: e.to_string(),
        })?;
        let journal = SqliteJournal {
            connection,
            path: name,
        };
        journal
            .connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA busy_timeout = 5000;
                 CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS rows (
                     row INTEGER PRIMARY KEY,
                     state TEXT NOT NULL,
                     task_id TEXT,
                     result TEXT,
                     error TEXT
                 );",
            )
            .map_err(|e| journal.error(e))?;
        Ok(journal)
    }

    fn error(&self, err: impl std::fmt::Display) -> JournalError {
        JournalError {
            path: self.path.clone(),
            message: err.to_string(),
        }
    }
}

impl Journal for SqliteJournal {
    fn fingerprint(&self) -> Result<Option<String>, JournalError> {
        self.connection
            .query_row(
                "SELECT value FROM meta WHERE key = 'fingerprint'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    fn create(&mut self, fingerprint: &str, rows: u64) -> Result<(), JournalError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| JournalError {
            path: path.clone(),
            message: e.to_string(),
        };
        let tx = self.connection.transaction().map_err(fail)?;
        tx.execute("DELETE FROM rows", []).map_err(fail)?;
        {
            let mut insert = tx
                .prepare("INSERT INTO rows (row, state) VALUES (?1, 'pending')")
                .map_err(fail)?;
            for row in 1..=rows {
                insert.execute(params![row]).map_err(fail)?;
            }
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('fingerprint', ?1)",
            params![fingerprint],
        )
        .map_err(fail)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('rows', ?1)",
            params![rows.to_string()],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)
    }

    fn recover(&mut self, resubmit_unknown: bool, retry_failed: bool) -> Result<u64, JournalError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| JournalError {
            path: path.clone(),
            message: e.to_string(),
        };
        let tx = self.connection.transaction().map_err(fail)?;
        let found = if resubmit_unknown {
            tx.execute(
                "UPDATE rows SET state = 'unknown' WHERE state = 'submitting'",
                [],
            )
            .map_err(fail)?;
            tx.execute(
                "UPDATE rows SET state = 'pending', error = NULL WHERE state = 'unknown'",
                [],
            )
            .map_err(fail)?
        } else {
            tx.execute(
                "UPDATE rows SET state = 'unknown', error = 'the run stopped while this row was being submitted: the job may exist (re-run with --resubmit-unknown to submit it again)' WHERE state = 'submitting'",
                [],
            )
            .map_err(fail)?
        };
        if retry_failed {
            tx.execute(
                "UPDATE rows SET state = 'pending', error = NULL WHERE state = 'failed'",
                [],
            )
            .map_err(fail)?;
        }
        tx.commit().map_err(fail)?;
        Ok(found as u64)
    }

    fn state(&self, row: u64) -> Result<RowState, JournalError> {
        let (state, task_id): (String, Option<String>) = self
            .connection
            .prepare_cached("SELECT state, task_id FROM rows WHERE row = ?1")
            .and_then(|mut s| s.query_row(params![row], |r| Ok((r.get(0)?, r.get(1)?))))
            .map_err(|e| self.error(format!("row {row}: {e}")))?;
        parse_state(&state, task_id)
            .ok_or_else(|| self.error(format!("row {row} has an unknown state `{state}`")))
    }

    fn set(
        &mut self,
        row: u64,
        state: &RowState,
        result: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), JournalError> {
        let task_id = match state {
            RowState::Submitted(id) => Some(id.as_str()),
            _ => None,
        };
        let sql = if task_id.is_some() {
            "UPDATE rows SET state = ?2, task_id = ?3, result = ?4, error = ?5 WHERE row = ?1"
        } else {
            "UPDATE rows SET state = ?2, task_id = COALESCE(?3, task_id), result = ?4, error = ?5 WHERE row = ?1"
        };
        self.connection
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(params![row, state.name(), task_id, result, error]))
            .map_err(|e| self.error(format!("row {row}: {e}")))?;
        Ok(())
    }

    fn counts(&self) -> Result<Counts, JournalError> {
        let mut counts = Counts::default();
        let mut statement = self
            .connection
            .prepare("SELECT state, COUNT(*) FROM rows GROUP BY state")
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))
            .map_err(|e| self.error(e))?;
        for row in rows {
            let (state, n) = row.map_err(|e| self.error(e))?;
            match state.as_str() {
                "pending" => counts.pending += n,
                "submitted" => counts.submitted += n,
                "completed" => counts.completed += n,
                "failed" => counts.failed += n,
                _ => counts.unknown += n,
            }
        }
        Ok(counts)
    }

    fn for_each(
        &self,
        visit: &mut dyn FnMut(RowRecord) -> Result<(), String>,
    ) -> Result<(), JournalError> {
        let mut statement = self
            .connection
            .prepare("SELECT row, state, task_id, result, error FROM rows ORDER BY row")
            .map_err(|e| self.error(e))?;
        let mut rows = statement.query([]).map_err(|e| self.error(e))?;
        while let Some(row) = rows.next().map_err(|e| self.error(e))? {
            let number: u64 = row.get(0).map_err(|e| self.error(e))?;
            let state: String = row.get(1).map_err(|e| self.error(e))?;
            let task_id: Option<String> = row.get(2).map_err(|e| self.error(e))?;
            let state = parse_state(&state, task_id.clone())
                .ok_or_else(|| self.error(format!("row {number}: unknown state")))?;
            let record = RowRecord {
                row: number,
                state,
                task_id,
                result: row.get(3).map_err(|e| self.error(e))?,
                error: row.get(4).map_err(|e| self.error(e))?,
            };
            visit(record).map_err(|e| self.error(e))?;
        }
        Ok(())
    }
}

fn parse_state(state: &str, task_id: Option<String>) -> Option<RowState> {
    Some(match state {
        "pending" => RowState::Pending,
        "submitting" => RowState::Submitting,
        "submitted" => RowState::Submitted(task_id.unwrap_or_default()),
        "completed" => RowState::Completed,
        "failed" => RowState::Failed,
        "unknown" => RowState::Unknown,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("sixtyfour-journal-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("journal.sqlite")
    }

    #[test]
    fn life_cycle_survives_reopening() {
        let path = temp("cycle");
        {
            let mut journal = SqliteJournal::open(&path).unwrap();
            assert_eq!(journal.fingerprint().unwrap(), None);
            journal.create("abc", 4).unwrap();
            journal.set(1, &RowState::Submitting, None, None).unwrap();
            journal
                .set(1, &RowState::Submitted("t-1".into()), None, None)
                .unwrap();
            journal
                .set(1, &RowState::Completed, Some("{}"), None)
                .unwrap();
            journal.set(2, &RowState::Submitting, None, None).unwrap();
            journal.set(3, &RowState::Submitting, None, None).unwrap();
            journal
                .set(3, &RowState::Submitted("t-3".into()), None, None)
                .unwrap();
            journal
                .set(4, &RowState::Failed, None, Some("bad"))
                .unwrap();
        }
        // A crash: the connection is gone; a new one sees every committed step.
        let mut journal = SqliteJournal::open(&path).unwrap();
        assert_eq!(journal.fingerprint().unwrap().as_deref(), Some("abc"));
        assert_eq!(journal.recover(false, false).unwrap(), 1);
        assert_eq!(journal.state(1).unwrap(), RowState::Completed);
        assert_eq!(journal.state(2).unwrap(), RowState::Unknown);
        assert_eq!(journal.state(3).unwrap(), RowState::Submitted("t-3".into()));
        let counts = journal.counts().unwrap();
        assert_eq!(
            counts,
            Counts {
                pending: 0,
                submitted: 1,
                completed: 1,
                failed: 1,
                unknown: 1
            }
        );
        let mut seen = Vec::new();
        journal
            .for_each(&mut |r| {
                seen.push((r.row, r.task_id));
                Ok(())
            })
            .unwrap();
        let rows: Vec<u64> = seen.iter().map(|(row, _)| *row).collect();
        assert_eq!(rows, [1, 2, 3, 4]);
        assert_eq!(seen[0].1.as_deref(), Some("t-1"));

        journal.recover(true, true).unwrap();
        assert_eq!(journal.state(2).unwrap(), RowState::Pending);
        assert_eq!(journal.state(4).unwrap(), RowState::Pending);
        let mode: String = journal
            .connection
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
