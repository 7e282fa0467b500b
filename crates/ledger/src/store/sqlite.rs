//! The SQLite store: one file, WAL mode, `locking_mode = EXCLUSIVE` (no other connection can
//! read or write it while the ledger is open), and `synchronous = FULL` for the commit that
//! marks rows `submitting`, so the mark is on disk before any request leaves.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{
    Change, Counts, Recovery, Resend, RowId, RowRef, Store, StoreError, StoredRow, SyncCounts,
    SyncRow, Synced, UnknownRows, Work,
};
use crate::identity::RowKey;
use crate::state::{ErrorClass, RowState};

/// How hard commits insist on reaching the disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// Every commit is synced (`synchronous = FULL`).
    Full,
    /// The commit that marks rows `submitting` is synced before the requests leave; other
    /// commits survive a killed process, and a power cut may roll back the last few of them,
    /// which is always safe: a lost `submitted` or answer brings the row back to
    /// `submitting` (then `unknown`) or `submitted` (polled again), never to `pending`.
    #[default]
    SubmitsFull,
    /// No commit is synced: survives a killed process, not a power cut (benchmarks only).
    Normal,
}

/// A ledger stored in one SQLite file.
pub struct SqliteStore {
    connection: Connection,
    durability: Durability,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("durability", &self.durability)
            .finish_non_exhaustive()
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    id INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL,
    row_key TEXT NOT NULL,
    lead TEXT NOT NULL,
    generation INTEGER NOT NULL,
    position INTEGER NOT NULL,
    line INTEGER,
    state TEXT NOT NULL,
    task_id TEXT,
    raw_answer TEXT,
    cast_answer TEXT,
    cast_error TEXT,
    error TEXT,
    error_class TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    submitted_at INTEGER,
    finished_at INTEGER,
    UNIQUE (content_hash, row_key)
);
CREATE INDEX IF NOT EXISTS rows_by_position ON rows (generation, position);
CREATE INDEX IF NOT EXISTS rows_by_state ON rows (state);
CREATE INDEX IF NOT EXISTS rows_by_task_id ON rows (task_id);
";

const COLUMNS: &str = "id, content_hash, row_key, lead, generation, position, line, state, task_id, raw_answer, cast_answer, cast_error, error, error_class, attempts, created_at, updated_at";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn err(context: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError::new(format!("{context}: {e}"))
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl SqliteStore {
    /// Opens (or creates) the file, takes SQLite's exclusive lock and sets up the tables.
    pub fn open(path: &Path, durability: Durability) -> Result<Self, StoreError> {
        let connection = Connection::open(path).map_err(err("cannot open"))?;
        Self::setup(connection, durability)
    }

    /// A store in memory (for a dry run without a ledger file, and tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        let connection = Connection::open_in_memory().map_err(err("cannot open"))?;
        Self::setup(connection, Durability::Normal)
    }

    fn setup(connection: Connection, durability: Durability) -> Result<Self, StoreError> {
        let synchronous = match durability {
            Durability::Full => "FULL",
            Durability::SubmitsFull | Durability::Normal => "NORMAL",
        };
        connection
            .execute_batch(&format!(
                "PRAGMA busy_timeout = 0;
                 PRAGMA locking_mode = EXCLUSIVE;
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = {synchronous};"
            ))
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                    StoreError::new(super::BUSY)
                }
                Some(rusqlite::ErrorCode::NotADatabase) => {
                    StoreError::new("the file is not a ledger (not an SQLite database)")
                }
                _ => StoreError::new(format!("cannot set up: {e}")),
            })?;
        // Take the exclusive lock now, not at the first write.
        connection
            .execute_batch("BEGIN EXCLUSIVE; COMMIT;")
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                    StoreError::new(super::BUSY)
                }
                _ => StoreError::new(format!("cannot lock: {e}")),
            })?;
        let store = SqliteStore {
            connection,
            durability,
        };
        store.check_format()?;
        store
            .connection
            .execute_batch(SCHEMA)
            .map_err(err("cannot create the tables"))?;
        Ok(store)
    }

    /// Refuses a file written by the older journal format, which keyed rows by position.
    fn check_format(&self) -> Result<(), StoreError> {
        let tables: Vec<String> = self
            .connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(err("cannot read the tables"))?;
        if tables.is_empty() {
            return Ok(());
        }
        let has_column = |table: &str, column: &str| -> Result<bool, StoreError> {
            let names: Vec<String> = self
                .connection
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .and_then(|mut s| {
                    s.query_map([], |r| r.get::<_, String>(0))?
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(err("cannot read the columns"))?;
            Ok(names.iter().any(|n| n == column))
        };
        if tables.iter().any(|t| t == "rows") && !has_column("rows", "content_hash")? {
            return Err(StoreError::new(
                "the file is a journal of an older version of sixtyfour (rows keyed by position): pass another --journal path, or move it away",
            ));
        }
        Ok(())
    }

    fn set_synchronous(&self, full: bool) -> Result<(), StoreError> {
        if self.durability != Durability::SubmitsFull {
            return Ok(());
        }
        let mode = if full { "FULL" } else { "NORMAL" };
        self.connection
            .execute_batch(&format!("PRAGMA synchronous = {mode};"))
            .map_err(err("cannot set synchronous"))
    }
}

fn read_row(r: &Row<'_>) -> rusqlite::Result<StoredRow> {
    let key: String = r.get(2)?;
    let state: String = r.get(7)?;
    let class: Option<String> = r.get(13)?;
    let bad = |what: String| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into())
    };
    Ok(StoredRow {
        id: r.get(0)?,
        content_hash: r.get(1)?,
        key: RowKey::decode(&key).ok_or_else(|| bad(format!("bad row key `{key}`")))?,
        lead: r.get(3)?,
        generation: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
        position: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
        line: r
            .get::<_, Option<i64>>(6)?
            .and_then(|n| u64::try_from(n).ok()),
        state: RowState::parse(&state).ok_or_else(|| bad(format!("bad state `{state}`")))?,
        task_id: r.get(8)?,
        raw_answer: r.get(9)?,
        cast_answer: r.get(10)?,
        cast_error: r.get(11)?,
        error: r.get(12)?,
        error_class: class.as_deref().and_then(ErrorClass::parse),
        attempts: u32::try_from(r.get::<_, i64>(14)?).unwrap_or(u32::MAX),
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
    })
}

fn count_states(connection: &Connection, generation: i64) -> rusqlite::Result<Counts> {
    let mut counts = Counts::default();
    let mut statement = connection
        .prepare_cached("SELECT state, COUNT(*) FROM rows WHERE generation = ?1 GROUP BY state")?;
    let rows = statement.query_map(params![generation], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (state, n) = row?;
        let state = RowState::parse(&state).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("a row has an unknown state `{state}`").into(),
            )
        })?;
        counts.set(state, u64::try_from(n).unwrap_or(0));
    }
    Ok(counts)
}

impl Store for SqliteStore {
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(err("cannot read the ledger's facts"))
    }

    fn set_meta(&mut self, entries: &[(&str, &str)]) -> Result<(), StoreError> {
        let tx = self
            .connection
            .transaction()
            .map_err(err("cannot write the ledger's facts"))?;
        for (key, value) in entries {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(err("cannot write the ledger's facts"))?;
        }
        tx.commit().map_err(err("cannot write the ledger's facts"))
    }

    fn has_jobs(&self) -> Result<bool, StoreError> {
        self.connection
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM rows WHERE state IN ('submitting', 'submitted', 'unknown', 'completed', 'failed'))",
                [],
                |r| r.get(0),
            )
            .map_err(err("cannot read the rows"))
    }

    fn recover(&mut self, recovery: Recovery, note: &str) -> Result<u64, StoreError> {
        let now = now_ms();
        let (sql, class) = match recovery {
            Recovery::Interrupted => (
                "UPDATE rows SET state = 'unknown', error = ?1, error_class = ?2, updated_at = ?3 WHERE state = 'submitting'",
                ErrorClass::Interrupted,
            ),
            Recovery::EmulatorRestarted => (
                "UPDATE rows SET state = 'pending', task_id = NULL, error = ?1, error_class = ?2, updated_at = ?3 WHERE state IN ('submitting', 'submitted', 'unknown')",
                ErrorClass::EmulatorRestarted,
            ),
            Recovery::Rebound => (
                "UPDATE rows SET state = 'unknown', error = ?1, error_class = ?2, updated_at = ?3 WHERE state IN ('submitting', 'submitted')",
                ErrorClass::Rebound,
            ),
        };
        let changed = self
            .connection
            .execute(sql, params![note, class.as_str(), now])
            .map_err(err("cannot recover the rows"))?;
        Ok(changed as u64)
    }

    fn sync(
        &mut self,
        generation: u64,
        rows: &mut dyn Iterator<Item = Result<SyncRow, ()>>,
        resend: &Resend,
        commit: bool,
    ) -> Result<Synced, StoreError> {
        let now = now_ms();
        let generation = int(generation);
        let fail = err("cannot record the input");
        let tx = self.connection.transaction().map_err(&fail)?;
        let mut counts = SyncCounts::default();
        {
            let mut find = tx
                .prepare_cached("SELECT id FROM rows WHERE content_hash = ?1 AND row_key = ?2")
                .map_err(&fail)?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO rows (content_hash, row_key, lead, generation, position, line, state, attempts, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7)",
                )
                .map_err(&fail)?;
            let mut update = tx
                .prepare_cached(
                    "UPDATE rows SET lead = ?2, generation = ?3, position = ?4, line = ?5 WHERE id = ?1",
                )
                .map_err(&fail)?;
            for row in rows {
                let Ok(row) = row else {
                    // Dropping the transaction rolls it back.
                    return Err(StoreError::new("the input was refused"));
                };
                counts.rows += 1;
                let key = row.key.encode();
                let line = row.line.map(int);
                let existing: Option<RowId> = find
                    .query_row(params![row.content_hash, key], |r| r.get(0))
                    .optional()
                    .map_err(&fail)?;
                match existing {
                    Some(id) => {
                        update
                            .execute(params![id, row.lead, generation, int(row.position), line])
                            .map_err(&fail)?;
                    }
                    None => {
                        counts.new += 1;
                        insert
                            .execute(params![
                                row.content_hash,
                                key,
                                row.lead,
                                generation,
                                int(row.position),
                                line,
                                now
                            ])
                            .map_err(&fail)?;
                    }
                }
            }
        }
        if resend.failed {
            counts.resent_failed = tx
                .execute(
                    "UPDATE rows SET state = 'pending', error = NULL, error_class = NULL, updated_at = ?2
                     WHERE generation = ?1 AND state = 'failed' AND error_class = 'definite'",
                    params![generation, now],
                )
                .map_err(&fail)? as u64;
        }
        match &resend.unknown {
            UnknownRows::None => {}
            UnknownRows::All => {
                counts.resent_unknown = tx
                    .execute(
                        "UPDATE rows SET state = 'pending', error = NULL, error_class = NULL, updated_at = ?2
                         WHERE generation = ?1 AND state = 'unknown'",
                        params![generation, now],
                    )
                    .map_err(&fail)? as u64;
            }
            UnknownRows::Named(names) => {
                let mut problems = Vec::new();
                for name in names {
                    let found: Vec<(RowId, String)> = {
                        let (sql, value): (&str, rusqlite::types::Value) = match name {
                            RowRef::Position(n) => (
                                "SELECT id, state FROM rows WHERE generation = ?1 AND position = ?2",
                                rusqlite::types::Value::Integer(int(*n)),
                            ),
                            RowRef::Id(id) => (
                                "SELECT id, state FROM rows WHERE generation = ?1 AND row_key = ?2 ORDER BY position",
                                rusqlite::types::Value::Text(RowKey::Id(id.clone()).encode()),
                            ),
                        };
                        let mut statement = tx.prepare(sql).map_err(&fail)?;
                        statement
                            .query_map(params![generation, value], |r| Ok((r.get(0)?, r.get(1)?)))
                            .map_err(&fail)?
                            .collect::<Result<Vec<_>, _>>()
                            .map_err(&fail)?
                    };
                    if found.is_empty() {
                        problems.push(format!("{name} is not in this input"));
                    }
                    for (id, state) in found {
                        if state != "unknown" {
                            problems.push(format!("{name} is {state}, not unknown"));
                            continue;
                        }
                        counts.resent_unknown += tx
                            .execute(
                                "UPDATE rows SET state = 'pending', error = NULL, error_class = NULL, updated_at = ?2 WHERE id = ?1",
                                params![id, now],
                            )
                            .map_err(&fail)? as u64;
                    }
                }
                if !problems.is_empty() {
                    return Err(StoreError::new(format!(
                        "{}: {}",
                        super::RESEND_REFUSED,
                        problems.join("; ")
                    )));
                }
            }
        }
        let states = count_states(&tx, generation).map_err(&fail)?;
        let first_pending_lead: Option<String> = tx
            .query_row(
                "SELECT lead FROM rows WHERE generation = ?1 AND state = 'pending' ORDER BY position LIMIT 1",
                params![generation],
                |r| r.get(0),
            )
            .optional()
            .map_err(&fail)?;
        counts.vanished = tx
            .query_row(
                "SELECT COUNT(*) FROM rows WHERE generation < ?1",
                params![generation],
                |r| r.get::<_, i64>(0),
            )
            .map_err(&fail)? as u64;
        if commit {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('generation', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![generation.to_string()],
            )
            .map_err(&fail)?;
            tx.commit().map_err(&fail)?;
        }
        Ok(Synced {
            counts,
            states,
            first_pending_lead,
        })
    }

    fn work(&self, generation: u64) -> Result<Vec<Work>, StoreError> {
        let fail = err("cannot read the rows");
        let mut statement = self
            .connection
            .prepare(
                "SELECT id, position, state, task_id, row_key FROM rows
                 WHERE generation = ?1 AND state IN ('submitted', 'pending')
                 ORDER BY state = 'pending', position",
            )
            .map_err(&fail)?;
        let rows = statement
            .query_map(params![int(generation)], |r| {
                let state: String = r.get(2)?;
                let key: String = r.get(4)?;
                Ok(Work {
                    id: r.get(0)?,
                    position: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    key: RowKey::decode(&key).unwrap_or(RowKey::Id(key)),
                    state: if state == "pending" {
                        RowState::Pending
                    } else {
                        RowState::Submitted
                    },
                    task_id: r.get(3)?,
                })
            })
            .map_err(&fail)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&fail)
    }

    fn mark_submitting(&mut self, ids: &[RowId]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let fail = err("cannot mark rows submitting");
        self.set_synchronous(true)?;
        let result = (|| {
            let now = now_ms();
            let tx = self.connection.transaction().map_err(&fail)?;
            {
                let mut mark = tx
                    .prepare_cached(
                        "UPDATE rows SET state = 'submitting', attempts = attempts + 1, error = NULL, error_class = NULL, updated_at = ?2
                         WHERE id = ?1 AND state = 'pending'",
                    )
                    .map_err(&fail)?;
                for id in ids {
                    if mark.execute(params![id, now]).map_err(&fail)? != 1 {
                        return Err(StoreError::new(format!(
                            "cannot mark rows submitting: row {id} is not pending"
                        )));
                    }
                }
            }
            tx.commit().map_err(&fail)
        })();
        self.set_synchronous(false)?;
        result
    }

    fn record(&mut self, id: RowId, change: &Change) -> Result<(), StoreError> {
        let now = now_ms();
        let fail = err("cannot record a row");
        let changed = match change {
            Change::Submitted { task_id } => self.connection.execute(
                "UPDATE rows SET state = 'submitted', task_id = ?2, error = NULL, error_class = NULL, submitted_at = ?3, updated_at = ?3 WHERE id = ?1",
                params![id, task_id, now],
            ),
            Change::Completed {
                raw_answer,
                cast_answer,
                cast_error,
            } => self.connection.execute(
                "UPDATE rows SET state = 'completed', raw_answer = ?2, cast_answer = ?3, cast_error = ?4, error = NULL, error_class = NULL, finished_at = ?5, updated_at = ?5 WHERE id = ?1",
                params![id, raw_answer, cast_answer, cast_error, now],
            ),
            Change::Failed { error } => self.connection.execute(
                "UPDATE rows SET state = 'failed', error = ?2, error_class = 'definite', finished_at = ?3, updated_at = ?3 WHERE id = ?1",
                params![id, error, now],
            ),
            Change::Unknown { class, reason } => self.connection.execute(
                "UPDATE rows SET state = 'unknown', error = ?2, error_class = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, reason, class.as_str(), now],
            ),
            Change::Pending { class, reason } => self.connection.execute(
                "UPDATE rows SET state = 'pending', error = ?2, error_class = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, reason, class.as_str(), now],
            ),
            Change::Waiting { class, note } => self.connection.execute(
                "UPDATE rows SET state = 'submitted', error = ?2, error_class = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, note, class.as_str(), now],
            ),
        }
        .map_err(&fail)?;
        if changed != 1 {
            return Err(StoreError::new(format!(
                "cannot record row {id}: no such row"
            )));
        }
        Ok(())
    }

    fn row(&self, id: RowId) -> Result<StoredRow, StoreError> {
        self.connection
            .prepare_cached(&format!("SELECT {COLUMNS} FROM rows WHERE id = ?1"))
            .and_then(|mut s| s.query_row(params![id], read_row))
            .map_err(err("cannot read a row"))
    }

    fn task_id_holders(&self, task_id: &str, except: RowId) -> Result<Vec<StoredRow>, StoreError> {
        let fail = err("cannot read the rows");
        let mut statement = self
            .connection
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM rows WHERE task_id = ?1 AND id != ?2"
            ))
            .map_err(&fail)?;
        let rows = statement
            .query_map(params![task_id, except], read_row)
            .map_err(&fail)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&fail)
    }

    fn rows(
        &self,
        generation: u64,
        visit: &mut dyn FnMut(StoredRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let fail = err("cannot read the rows");
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT {COLUMNS} FROM rows WHERE generation = ?1 ORDER BY position"
            ))
            .map_err(&fail)?;
        let mut rows = statement.query(params![int(generation)]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            visit(read_row(row).map_err(&fail)?)?;
        }
        Ok(())
    }

    fn vanished(
        &self,
        generation: u64,
        visit: &mut dyn FnMut(StoredRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let fail = err("cannot read the rows");
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT {COLUMNS} FROM rows WHERE generation < ?1 ORDER BY generation DESC, position"
            ))
            .map_err(&fail)?;
        let mut rows = statement.query(params![int(generation)]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            visit(read_row(row).map_err(&fail)?)?;
        }
        Ok(())
    }

    fn counts(&self, generation: u64) -> Result<Counts, StoreError> {
        count_states(&self.connection, int(generation)).map_err(err("cannot count the rows"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(hash: &str, position: u64) -> Result<SyncRow, ()> {
        Ok(SyncRow {
            content_hash: hash.into(),
            key: RowKey::Occurrence(1),
            lead: format!("{{\"name\":\"{hash}\"}}"),
            position,
            line: Some(position + 1),
        })
    }

    #[test]
    fn a_life_survives_reopening_and_syncs_keep_finished_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        {
            let mut store = SqliteStore::open(&path, Durability::default()).unwrap();
            let counts = store
                .sync(
                    1,
                    &mut [row("a", 1), row("b", 2), row("c", 3)].into_iter(),
                    &Resend::default(),
                    true,
                )
                .unwrap();
            assert_eq!((counts.counts.rows, counts.counts.new), (3, 3));
            assert_eq!(counts.states.pending, 3);
            assert_eq!(
                counts.first_pending_lead.as_deref(),
                Some("{\"name\":\"a\"}")
            );
            let work = store.work(1).unwrap();
            assert_eq!(
                work.iter().map(|w| w.position).collect::<Vec<_>>(),
                [1, 2, 3]
            );
            let ids: Vec<RowId> = work.iter().map(|w| w.id).collect();
            store.mark_submitting(&ids[..2]).unwrap();
            assert!(
                store.mark_submitting(&ids[..1]).is_err(),
                "only pending rows"
            );
            store
                .record(
                    ids[0],
                    &Change::Submitted {
                        task_id: "t-a".into(),
                    },
                )
                .unwrap();
            store
                .record(
                    ids[0],
                    &Change::Completed {
                        raw_answer: "{}".into(),
                        cast_answer: Some("{}".into()),
                        cast_error: None,
                    },
                )
                .unwrap();
            assert!(store.has_jobs().unwrap());
        }
        // Reopened after a "crash": b was mid-submit.
        let mut store = SqliteStore::open(&path, Durability::default()).unwrap();
        assert_eq!(store.recover(Recovery::Interrupted, "stopped").unwrap(), 1);
        // A reordered input with one new row and without c.
        let counts = store
            .sync(
                2,
                &mut [row("b", 1), row("d", 2), row("a", 3)].into_iter(),
                &Resend::default(),
                true,
            )
            .unwrap();
        assert_eq!(
            (
                counts.counts.rows,
                counts.counts.new,
                counts.counts.vanished
            ),
            (3, 1, 1)
        );
        let mut seen = Vec::new();
        store
            .rows(2, &mut |r| {
                seen.push((r.position, r.content_hash, r.state, r.task_id, r.attempts));
                Ok(())
            })
            .unwrap();
        assert_eq!(
            seen,
            [
                (1, "b".into(), RowState::Unknown, None, 1),
                (2, "d".into(), RowState::Pending, None, 0),
                (3, "a".into(), RowState::Completed, Some("t-a".into()), 1),
            ]
        );
        let counts = store.counts(2).unwrap();
        assert_eq!(
            (counts.completed, counts.unknown, counts.pending),
            (1, 1, 1)
        );
        // Only the new row is work.
        assert_eq!(store.work(2).unwrap().len(), 1);
        // A dry run changes nothing.
        let before = store.counts(2).unwrap();
        store
            .sync(
                3,
                &mut [row("b", 1)].into_iter(),
                &Resend {
                    failed: false,
                    unknown: UnknownRows::All,
                },
                false,
            )
            .unwrap();
        assert_eq!(store.counts(2).unwrap(), before);
        // Naming a row that is not unknown is refused, with every problem listed.
        let err = store
            .sync(
                3,
                &mut [row("b", 1), row("a", 2)].into_iter(),
                &Resend {
                    failed: false,
                    unknown: UnknownRows::Named(vec![RowRef::Position(2), RowRef::Position(9)]),
                },
                true,
            )
            .unwrap_err();
        assert!(
            err.message.contains("row 2 is completed, not unknown"),
            "{err}"
        );
        assert!(err.message.contains("row 9 is not in this input"), "{err}");
        assert_eq!(store.meta("generation").unwrap().as_deref(), Some("2"));
        // A bad row rolls the whole sync back.
        assert!(
            store
                .sync(
                    3,
                    &mut [row("z", 1), Err(())].into_iter(),
                    &Resend::default(),
                    true
                )
                .is_err()
        );
        assert_eq!(store.counts(3).unwrap().total(), 0);
    }

    /// The `submitting` mark is committed with `synchronous = FULL` and the commits around it
    /// without: read from the statements SQLite runs.
    #[test]
    fn the_submitting_mark_alone_is_committed_with_full_sync() {
        static LOG: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
        fn log(event: rusqlite::trace::TraceEvent<'_>) {
            if let rusqlite::trace::TraceEvent::Stmt(_, sql) = event {
                LOG.lock().unwrap().push(sql.trim().to_owned());
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let mut store =
            SqliteStore::open(&dir.path().join("l.sqlite"), Durability::SubmitsFull).unwrap();
        store
            .sync(
                1,
                &mut [row("a", 1), row("b", 2)].into_iter(),
                &Resend::default(),
                true,
            )
            .unwrap();
        let ids: Vec<RowId> = store.work(1).unwrap().iter().map(|w| w.id).collect();
        store.connection.trace_v2(
            rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT,
            Some(log),
        );
        store.mark_submitting(&ids).unwrap();
        store
            .record(
                ids[0],
                &Change::Submitted {
                    task_id: "t-a".into(),
                },
            )
            .unwrap();
        store
            .connection
            .trace_v2(rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT, None);
        let log = LOG.lock().unwrap().clone();
        let at = |what: &str, from: usize| {
            log.iter()
                .skip(from)
                .position(|s| s.contains(what))
                .map(|i| i + from)
                .unwrap_or_else(|| panic!("no `{what}` after {from} in {log:#?}"))
        };
        let full = at("PRAGMA synchronous = FULL", 0);
        let mark = at("state = 'submitting'", full);
        let commit = at("COMMIT", mark);
        let normal = at("PRAGMA synchronous = NORMAL", commit);
        let submitted = at("state = 'submitted'", normal);
        assert!(full < mark && mark < commit && commit < normal && normal < submitted);
    }

    #[test]
    fn a_second_connection_is_refused_while_the_first_is_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let _first = SqliteStore::open(&path, Durability::default()).unwrap();
        let second = SqliteStore::open(&path, Durability::default()).unwrap_err();
        assert!(second.message.contains("another process"), "{second}");
    }

    #[test]
    fn an_old_journal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE rows (row INTEGER PRIMARY KEY, state TEXT NOT NULL);")
            .unwrap();
        let err = SqliteStore::open(&path, Durability::default()).unwrap_err();
        assert!(err.message.contains("older version"), "{err}");
        std::fs::write(dir.path().join("text.sqlite"), "name,company\n".repeat(200)).unwrap();
        let err =
            SqliteStore::open(&dir.path().join("text.sqlite"), Durability::default()).unwrap_err();
        assert!(err.message.contains("not a ledger"), "{err}");
    }
}
