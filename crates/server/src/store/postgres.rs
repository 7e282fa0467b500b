//! The PostgreSQL store, for several server processes on several machines against one
//! database. The queue is `SELECT ... FOR UPDATE SKIP LOCKED`: each claim locks the rows it
//! takes and skips the ones another process holds, so no job is leased twice; a per-key
//! usage row, locked for the length of a submit, keeps the active-job and credit limits
//! exact. Times are the servers' clocks (keep them in sync; leases are tens of seconds).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use axum::body::Bytes;
use sixtyfour_protocol::{TaskId, TaskType};
use tokio::sync::{Mutex, MutexGuard};
use tokio_postgres::{Client, NoTls};

use super::{
    Admission, Claimed, Counts, Delivery, Finish, Finished, JobStore, JobView, Millis, NewDelivery,
    NewJob, Stage, StoreError, SubmitLimits, fair_seq,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    seq BIGSERIAL PRIMARY KEY,
    task_id TEXT NOT NULL UNIQUE,
    key_id TEXT NOT NULL,
    task_type TEXT NOT NULL,
    body TEXT NOT NULL,
    meta TEXT NOT NULL,
    state TEXT NOT NULL,
    fair_seq BIGINT NOT NULL,
    run INTEGER NOT NULL DEFAULT 0,
    lease_until BIGINT,
    worker TEXT,
    processed BIGINT NOT NULL DEFAULT 0,
    total BIGINT NOT NULL DEFAULT 0,
    status_body BYTEA,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (state, fair_seq, seq);
CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (state, lease_until);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (finished_at);
CREATE TABLE IF NOT EXISTS key_usage (
    key_id TEXT PRIMARY KEY,
    submitted BIGINT NOT NULL,
    active BIGINT NOT NULL,
    last_fair_seq BIGINT
);
CREATE TABLE IF NOT EXISTS deliveries (
    event_id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL,
    key_id TEXT NOT NULL,
    url TEXT NOT NULL,
    body BYTEA NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    settled_at BIGINT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
";

/// An arbitrary, fixed advisory-lock number under which the schema is created, so two
/// servers starting at once do not race on `CREATE TABLE`.
const SCHEMA_LOCK: i64 = 0x5136_4f75_7200_0001;

/// Jobs in a PostgreSQL database.
pub struct PostgresStore {
    url: String,
    clients: Vec<Mutex<Client>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("connections", &self.clients.len())
            .finish_non_exhaustive()
    }
}

async fn connect(url: &str) -> Result<Client, StoreError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::warn!(error = %err, "PostgreSQL connection closed");
        }
    });
    Ok(client)
}

fn corrupt(task_id: &str, message: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        task_id: task_id.to_owned(),
        message: message.to_string(),
    }
}

fn u64_of(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn i64_of(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn i32_of(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl PostgresStore {
    /// Connects `connections` clients to `url` (`postgres://user:password@host:port/db`, no
    /// TLS) and creates the tables if needed.
    pub async fn connect(url: &str, connections: usize) -> Result<Self, StoreError> {
        let mut clients = Vec::new();
        for _ in 0..connections.max(1) {
            clients.push(Mutex::new(connect(url).await?));
        }
        let store = PostgresStore {
            url: url.to_owned(),
            clients,
            next: AtomicUsize::new(0),
        };
        {
            let mut client = store.client().await?;
            let tx = client.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
                .await?;
            tx.batch_execute(SCHEMA).await?;
            tx.commit().await?;
        }
        Ok(store)
    }

    /// A free client (or the next one in turn), reconnected if its connection closed.
    async fn client(&self) -> Result<MutexGuard<'_, Client>, StoreError> {
        let mut guard = None;
        for client in &self.clients {
            if let Ok(g) = client.try_lock() {
                guard = Some(g);
                break;
            }
        }
        let mut guard = match guard {
            Some(g) => g,
            None => {
                let at = self.next.fetch_add(1, Ordering::Relaxed) % self.clients.len();
                self.clients[at].lock().await
            }
        };
        if guard.is_closed() {
            *guard = connect(&self.url).await?;
        }
        Ok(guard)
    }
}

#[async_trait]
impl JobStore for PostgresStore {
    fn describe(&self) -> String {
        "postgres".into()
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
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO key_usage (key_id, submitted, active) VALUES ($1, 0, 0) ON CONFLICT DO NOTHING",
            &[&job.key_id],
        )
        .await?;
        let usage = tx
            .query_one(
                "SELECT submitted, active, last_fair_seq FROM key_usage WHERE key_id = $1 FOR UPDATE",
                &[&job.key_id],
            )
            .await?;
        let submitted = u64_of(usage.get(0));
        let active = u64_of(usage.get(1));
        let last: Option<i64> = usage.get(2);
        if limits.credits.is_some_and(|credits| submitted >= credits) {
            return Ok(Admission::OutOfCredits);
        }
        if let Some(max) = limits.max_active
            && active >= max
        {
            return Ok(Admission::ActiveLimit(max));
        }
        let head: Option<i64> = tx
            .query_one("SELECT min(fair_seq) FROM jobs WHERE state = 'queued'", &[])
            .await?
            .get(0);
        let fair = fair_seq(last, head);
        tx.execute(
            "INSERT INTO jobs (task_id, key_id, task_type, body, meta, state, fair_seq, created_at)
             VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7)",
            &[
                &job.task_id.as_str(),
                &job.key_id,
                &job.task_type.as_str(),
                &body,
                &meta,
                &fair,
                &now,
            ],
        )
        .await?;
        tx.execute(
            "UPDATE key_usage SET submitted = submitted + 1, active = active + 1, last_fair_seq = $2 WHERE key_id = $1",
            &[&job.key_id, &fair],
        )
        .await?;
        tx.commit().await?;
        Ok(Admission::Created)
    }

    async fn status(&self, task_id: &str, key_id: &str) -> Result<Option<JobView>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT state, task_type, processed, total, status_body FROM jobs WHERE task_id = $1 AND key_id = $2",
                &[&task_id, &key_id],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let state: String = row.get(0);
        let task_type: String = row.get(1);
        let body: Option<Vec<u8>> = row.get(4);
        Ok(Some(JobView {
            stage: state.parse().map_err(|e| corrupt(task_id, e))?,
            task_type: TaskType::parse(&task_type),
            processed: u64_of(row.get(2)),
            total: u64_of(row.get(3)),
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
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        let client = self.client().await?;
        client
            .execute(
                "WITH expired AS MATERIALIZED (
                     SELECT seq FROM jobs WHERE state = 'running' AND lease_until < $1
                     FOR UPDATE SKIP LOCKED)
                 UPDATE jobs SET state = 'queued', lease_until = NULL, worker = NULL
                 FROM expired WHERE jobs.seq = expired.seq",
                &[&now],
            )
            .await?;
        let rows = client
            .query(
                "WITH next AS MATERIALIZED (
                     SELECT seq FROM jobs WHERE state = 'queued' ORDER BY fair_seq, seq LIMIT $4
                     FOR UPDATE SKIP LOCKED)
                 UPDATE jobs SET state = 'running', run = run + 1, lease_until = $1, worker = $2,
                     started_at = $3, processed = 0, total = 0
                 FROM next WHERE jobs.seq = next.seq
                 RETURNING jobs.task_id, jobs.run, jobs.key_id, jobs.task_type, jobs.body, jobs.meta",
                &[&lease_until, &worker, &now, &max],
            )
            .await?;
        rows.into_iter()
            .map(|row| {
                let task_id: String = row.get(0);
                let run: i32 = row.get(1);
                let task_type: String = row.get(3);
                let body: String = row.get(4);
                let meta: String = row.get(5);
                Ok(Claimed {
                    run: u32::try_from(run).unwrap_or(0),
                    key_id: row.get(2),
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
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE jobs SET lease_until = $1 WHERE task_id = $2 AND run = $3 AND state = 'running'",
                &[&lease_until, &task_id.as_str(), &i32_of(run)],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn progress(
        &self,
        task_id: &TaskId,
        run: u32,
        processed: u64,
        total: u64,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE jobs SET processed = $1, total = $2 WHERE task_id = $3 AND run = $4 AND state = 'running'",
                &[&i64_of(processed), &i64_of(total), &task_id.as_str(), &i32_of(run)],
            )
            .await?;
        Ok(())
    }

    async fn finish(
        &self,
        task_id: &TaskId,
        run: u32,
        finish: &Finish,
        delivery: Option<NewDelivery>,
        now: Millis,
    ) -> Result<Finished, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                "SELECT key_id, task_type FROM jobs WHERE task_id = $1 AND run = $2 AND state = 'running' FOR UPDATE",
                &[&task_id.as_str(), &i32_of(run)],
            )
            .await?;
        let Some(row) = row else {
            return Ok(Finished::Lost);
        };
        let key_id: String = row.get(0);
        let task_type: String = row.get(1);
        let body = finish.status_body(&TaskType::parse(&task_type));
        tx.execute(
            "UPDATE jobs SET state = $1, status_body = $2, finished_at = $3, lease_until = NULL WHERE task_id = $4",
            &[&finish.stage().as_str(), &body.as_ref(), &now, &task_id.as_str()],
        )
        .await?;
        tx.execute(
            "UPDATE key_usage SET active = GREATEST(active - 1, 0) WHERE key_id = $1",
            &[&key_id],
        )
        .await?;
        if let Some(delivery) = delivery {
            tx.execute(
                "INSERT INTO deliveries (event_id, task_id, key_id, url, body, next_at, state, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', $6) ON CONFLICT DO NOTHING",
                &[
                    &delivery.event_id,
                    &task_id.as_str(),
                    &key_id,
                    &delivery.url,
                    &delivery.body.as_ref(),
                    &now,
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Finished::Done)
    }

    async fn release(&self, task_id: &TaskId, run: u32) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE jobs SET state = 'queued', lease_until = NULL, worker = NULL
                 WHERE task_id = $1 AND run = $2 AND state = 'running'",
                &[&task_id.as_str(), &i32_of(run)],
            )
            .await?;
        Ok(())
    }

    async fn purge(&self, before: Millis) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let jobs = client
            .execute(
                "DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < $1",
                &[&before],
            )
            .await?;
        client
            .execute(
                "DELETE FROM deliveries WHERE state <> 'pending' AND settled_at < $1",
                &[&before],
            )
            .await?;
        Ok(jobs)
    }

    async fn due_deliveries(
        &self,
        max: usize,
        lease_until: Millis,
        now: Millis,
    ) -> Result<Vec<Delivery>, StoreError> {
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        let client = self.client().await?;
        let rows = client
            .query(
                "WITH due AS MATERIALIZED (
                     SELECT event_id FROM deliveries WHERE state = 'pending' AND next_at <= $2
                     ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED)
                 UPDATE deliveries SET attempts = deliveries.attempts + 1, next_at = $1
                 FROM due WHERE deliveries.event_id = due.event_id
                 RETURNING deliveries.event_id, deliveries.task_id, deliveries.key_id, deliveries.url,
                     deliveries.body, deliveries.attempts",
                &[&lease_until, &now, &max],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| Delivery {
                event_id: row.get(0),
                task_id: row.get(1),
                key_id: row.get(2),
                url: row.get(3),
                body: Bytes::from(row.get::<_, Vec<u8>>(4)),
                attempt: u32::try_from(row.get::<_, i32>(5)).unwrap_or(1),
            })
            .collect())
    }

    async fn settle_delivery(
        &self,
        event_id: &str,
        delivered: bool,
        now: Millis,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        let state = if delivered { "delivered" } else { "abandoned" };
        client
            .execute(
                "UPDATE deliveries SET state = $1, settled_at = $2 WHERE event_id = $3",
                &[&state, &now, &event_id],
            )
            .await?;
        Ok(())
    }

    async fn retry_delivery(&self, event_id: &str, next_at: Millis) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE deliveries SET next_at = $1 WHERE event_id = $2 AND state = 'pending'",
                &[&next_at, &event_id],
            )
            .await?;
        Ok(())
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let client = self.client().await?;
        let mut counts = Counts::default();
        for row in client
            .query("SELECT state, count(*) FROM jobs GROUP BY state", &[])
            .await?
        {
            let state: String = row.get(0);
            let n = u64_of(row.get(1));
            match state.parse::<Stage>() {
                Ok(Stage::Queued) => counts.queued = n,
                Ok(Stage::Running) => counts.running = n,
                Ok(Stage::Completed) => counts.completed = n,
                Ok(Stage::Failed) => counts.failed = n,
                Err(_) => {}
            }
        }
        counts.deliveries_pending = u64_of(
            client
                .query_one(
                    "SELECT count(*) FROM deliveries WHERE state = 'pending'",
                    &[],
                )
                .await?
                .get(0),
        );
        Ok(counts)
    }
}
