//! The SQLite store, the embedded default: one file, write-ahead logged, so jobs, results and
//! the webhook outbox survive a restart (or a SIGKILL). Writes go through one connection on a
//! blocking thread; status reads use a small pool of read connections and run inline, since
//! a lookup by primary key takes microseconds.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use axum::body::Bytes;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sixtyfour_protocol::{TaskId, TaskType};

use super::{
    Admission, Claimed, Counts, Delivery, Finish, Finished, JobStore, JobView, Millis, NewDelivery,
    NewJob, Stage, StoreError, SubmitLimits, fair_seq,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL UNIQUE,
    key_id TEXT NOT NULL,
    task_type TEXT NOT NULL,
    body TEXT NOT NULL,
    meta TEXT NOT NULL,
    state TEXT NOT NULL,
    fair_seq INTEGER NOT NULL,
    run INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER,
    worker TEXT,
    processed INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    status_body BLOB,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (state, fair_seq, seq);
CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (state, lease_until);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (finished_at);
CREATE TABLE IF NOT EXISTS key_usage (
    key_id TEXT PRIMARY KEY,
    submitted INTEGER NOT NULL,
    active INTEGER NOT NULL,
    last_fair_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    event_id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL,
    key_id TEXT NOT NULL,
    url TEXT NOT NULL,
    body BLOB NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    settled_at INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
PRAGMA user_version = 1;
";

const READERS: usize = 4;

/// Jobs in a SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

fn lock(mutex: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // Durable against a crash of the process (the WAL is written before a commit returns);
    // an operating-system crash may lose the last commits.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

fn corrupt(task_id: &str, message: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        task_id: task_id.to_owned(),
        message: message.to_string(),
    }
}

fn u32_of(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn u64_of(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn i64_of(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && !parent.is_dir()
        {
            return Err(StoreError::Open(format!(
                "the directory of {} does not exist",
                path.display()
            )));
        }
        let writer = connect(&path)?;
        writer.execute_batch(SCHEMA)?;
        let readers = (0..READERS)
            .map(|_| connect(&path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SqliteStore {
            path,
            writer: Arc::new(Mutex::new(writer)),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let writer = Arc::clone(&self.writer);
        tokio::task::spawn_blocking(move || f(&mut lock(&writer)))
            .await
            .map_err(|e| StoreError::Join(e.to_string()))?
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        for conn in &self.readers {
            if let Ok(guard) = conn.try_lock() {
                return guard;
            }
        }
        let at = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        lock(&self.readers[at])
    }
}

#[async_trait]
impl JobStore for SqliteStore {
    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    async fn insert(
        &self,
        job: NewJob,
        limits: SubmitLimits,
        now: Millis,
    ) -> Result<Admission, StoreError> {
        let body =
            serde_json::to_string(&job.body).map_err(|e| corrupt(job.task_id.as_str(), e))?;
        let meta =
            serde_json::to_string(&job.meta).map_err(|e| corrupt(job.task_id.as_str(), e))?;
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let usage: Option<(i64, i64, i64)> = tx
                .query_row(
                    "SELECT submitted, active, last_fair_seq FROM key_usage WHERE key_id = ?1",
                    [&job.key_id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let (submitted, active, last) = match usage {
                Some((s, a, l)) => (u64_of(s), u64_of(a), Some(l)),
                None => (0, 0, None),
            };
            if limits.credits.is_some_and(|credits| submitted >= credits) {
                return Ok(Admission::OutOfCredits);
            }
            if let Some(max) = limits.max_active
                && active >= max {
                    return Ok(Admission::ActiveLimit(max));
                }
            let head: Option<i64> = tx.query_row(
                "SELECT min(fair_seq) FROM jobs WHERE state = 'queued'",
                [],
                |row| row.get(0),
            )?;
            let fair = fair_seq(last, head);
            tx.execute(
                "INSERT INTO jobs (task_id, key_id, task_type, body, meta, state, fair_seq, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7)",
                params![
                    job.task_id.as_str(),
                    job.key_id,
                    job.task_type.as_str(),
                    body,
                    meta,
                    fair,
                    now
                ],
            )?;
            tx.execute(
                "INSERT INTO key_usage (key_id, submitted, active, last_fair_seq) VALUES (?1, 1, 1, ?2)
                 ON CONFLICT (key_id) DO UPDATE SET submitted = submitted + 1, active = active + 1, last_fair_seq = ?2",
                params![job.key_id, fair],
            )?;
            tx.commit()?;
            Ok(Admission::Created)
        })
        .await
    }

    async fn status(&self, task_id: &str, key_id: &str) -> Result<Option<JobView>, StoreError> {
        let conn = self.reader();
        let mut statement = conn.prepare_cached(
            "SELECT state, task_type, processed, total, status_body FROM jobs WHERE task_id = ?1 AND key_id = ?2",
        )?;
        let row = statement
            .query_row([task_id, key_id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, Option<Vec<u8>>>(4)?,
                ))
            })
            .optional()?;
        let Some((state, task_type, processed, total, body)) = row else {
            return Ok(None);
        };
        Ok(Some(JobView {
            stage: state.parse().map_err(|e| corrupt(task_id, e))?,
            task_type: TaskType::parse(&task_type),
            processed: u64_of(processed),
            total: u64_of(total),
            finished_body: body.map(Bytes::from),
        }))
    }

    async fn claim(
        &self,
        worker: &str,
        max: usize,
        lease_until: Millis,
        now: Millis,
    ) -> Result<Vec<Claimed>, StoreError> {
        let worker = worker.to_owned();
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        let rows = self
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                tx.execute(
                    "UPDATE jobs SET state = 'queued', lease_until = NULL, worker = NULL
                     WHERE state = 'running' AND lease_until < ?1",
                    [now],
                )?;
                let rows = {
                    let mut statement = tx.prepare_cached(
                        "UPDATE jobs SET state = 'running', run = run + 1, lease_until = ?1, worker = ?2,
                             started_at = ?3, processed = 0, total = 0
                         WHERE seq IN (SELECT seq FROM jobs WHERE state = 'queued' ORDER BY fair_seq, seq LIMIT ?4)
                         RETURNING task_id, run, key_id, task_type, body, meta",
                    )?;
                    statement
                        .query_map(params![lease_until, worker, now, max], |row| {
                            Ok((
                                row.get::<_, String>(0)?,
                                row.get::<_, i64>(1)?,
                                row.get::<_, String>(2)?,
                                row.get::<_, String>(3)?,
                                row.get::<_, String>(4)?,
                                row.get::<_, String>(5)?,
                            ))
                        })?
                        .collect::<Result<Vec<_>, _>>()?
                };
                tx.commit()?;
                Ok(rows)
            })
            .await?;
        rows.into_iter()
            .map(|(task_id, run, key_id, task_type, body, meta)| {
                Ok(Claimed {
                    run: u32_of(run),
                    key_id,
                    task_type: TaskType::parse(&task_type),
                    body: Arc::new(serde_json::from_str(&body).map_err(|e| corrupt(&task_id, e))?),
                    meta: Arc::new(serde_json::from_str(&meta).map_err(|e| corrupt(&task_id, e))?),
                    task_id: TaskId::new(task_id.clone()).map_err(|e| corrupt(&task_id, e))?,
                })
            })
            .collect()
    }

    async fn renew(
        &self,
        task_id: &TaskId,
        run: u32,
        lease_until: Millis,
    ) -> Result<bool, StoreError> {
        let task_id = task_id.to_string();
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE jobs SET lease_until = ?1 WHERE task_id = ?2 AND run = ?3 AND state = 'running'",
                params![lease_until, task_id, run],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn progress(
        &self,
        task_id: &TaskId,
        run: u32,
        processed: u64,
        total: u64,
    ) -> Result<(), StoreError> {
        let task_id = task_id.to_string();
        self.write(move |conn| {
            conn.execute(
                "UPDATE jobs SET processed = ?1, total = ?2 WHERE task_id = ?3 AND run = ?4 AND state = 'running'",
                params![i64_of(processed), i64_of(total), task_id, run],
            )?;
            Ok(())
        })
        .await
    }

    async fn finish(
        &self,
        task_id: &TaskId,
        run: u32,
        finish: &Finish,
        delivery: Option<NewDelivery>,
        now: Millis,
    ) -> Result<Finished, StoreError> {
        let task_id = task_id.to_string();
        let stage = finish.stage();
        let finish = finish.clone();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row: Option<(String, String)> = tx
                .query_row(
                    "SELECT key_id, task_type FROM jobs WHERE task_id = ?1 AND run = ?2 AND state = 'running'",
                    params![task_id, run],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((key_id, task_type)) = row else {
                return Ok(Finished::Lost);
            };
            let body = finish.status_body(&TaskType::parse(&task_type));
            tx.execute(
                "UPDATE jobs SET state = ?1, status_body = ?2, finished_at = ?3, lease_until = NULL
                 WHERE task_id = ?4",
                params![stage.as_str(), body.as_ref(), now, task_id],
            )?;
            tx.execute(
                "UPDATE key_usage SET active = max(active - 1, 0) WHERE key_id = ?1",
                [&key_id],
            )?;
            if let Some(delivery) = delivery {
                tx.execute(
                    "INSERT OR IGNORE INTO deliveries (event_id, task_id, key_id, url, body, next_at, state, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?6)",
                    params![
                        delivery.event_id,
                        task_id,
                        key_id,
                        delivery.url,
                        delivery.body.as_ref(),
                        now
                    ],
                )?;
            }
            tx.commit()?;
            Ok(Finished::Done)
        })
        .await
    }

    async fn release(&self, task_id: &TaskId, run: u32) -> Result<(), StoreError> {
        let task_id = task_id.to_string();
        self.write(move |conn| {
            conn.execute(
                "UPDATE jobs SET state = 'queued', lease_until = NULL, worker = NULL
                 WHERE task_id = ?1 AND run = ?2 AND state = 'running'",
                params![task_id, run],
            )?;
            Ok(())
        })
        .await
    }

    async fn purge(&self, before: Millis) -> Result<u64, StoreError> {
        self.write(move |conn| {
            let jobs = conn.execute(
                "DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?1",
                [before],
            )?;
            conn.execute(
                "DELETE FROM deliveries WHERE state != 'pending' AND settled_at < ?1",
                [before],
            )?;
            Ok(jobs as u64)
        })
        .await
    }

    async fn due_deliveries(
        &self,
        max: usize,
        lease_until: Millis,
        now: Millis,
    ) -> Result<Vec<Delivery>, StoreError> {
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        self.write(move |conn| {
            let mut statement = conn.prepare_cached(
                "UPDATE deliveries SET attempts = attempts + 1, next_at = ?1
                 WHERE event_id IN (SELECT event_id FROM deliveries WHERE state = 'pending' AND next_at <= ?2
                                    ORDER BY next_at LIMIT ?3)
                 RETURNING event_id, task_id, key_id, url, body, attempts",
            )?;
            let rows = statement
                .query_map(params![lease_until, now, max], |row| {
                    Ok(Delivery {
                        event_id: row.get(0)?,
                        task_id: row.get(1)?,
                        key_id: row.get(2)?,
                        url: row.get(3)?,
                        body: Bytes::from(row.get::<_, Vec<u8>>(4)?),
                        attempt: u32_of(row.get(5)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn settle_delivery(
        &self,
        event_id: &str,
        delivered: bool,
        now: Millis,
    ) -> Result<(), StoreError> {
        let event_id = event_id.to_owned();
        self.write(move |conn| {
            conn.execute(
                "UPDATE deliveries SET state = ?1, settled_at = ?2 WHERE event_id = ?3",
                params![
                    if delivered { "delivered" } else { "abandoned" },
                    now,
                    event_id
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn retry_delivery(&self, event_id: &str, next_at: Millis) -> Result<(), StoreError> {
        let event_id = event_id.to_owned();
        self.write(move |conn| {
            conn.execute(
                "UPDATE deliveries SET next_at = ?1 WHERE event_id = ?2 AND state = 'pending'",
                params![next_at, event_id],
            )?;
            Ok(())
        })
        .await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let conn = self.reader();
        let mut counts = Counts::default();
        let mut statement =
            conn.prepare_cached("SELECT state, count(*) FROM jobs GROUP BY state")?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (state, n) = row?;
            let n = u64_of(n);
            match state.parse::<Stage>() {
                Ok(Stage::Queued) => counts.queued = n,
                Ok(Stage::Running) => counts.running = n,
                Ok(Stage::Completed) => counts.completed = n,
                Ok(Stage::Failed) => counts.failed = n,
                Err(_) => {}
            }
        }
        counts.deliveries_pending = u64_of(conn.query_row(
            "SELECT count(*) FROM deliveries WHERE state = 'pending'",
            [],
            |row| row.get(0),
        )?);
        Ok(counts)
    }
}
