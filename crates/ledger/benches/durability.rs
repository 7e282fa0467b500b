//! What `synchronous = FULL` costs: rows taken through a ledger's life (marked `submitting`,
//! `submitted`, `completed`) on a real SQLite file, with every commit synced (`Full`), only the
//! `submitting` commits synced (`SubmitsFull`, the default), and none synced (`Normal`), for
//! batches of 1 and of 16 submits per `submitting` commit. Prints rows per second and the cost
//! per row against `Normal`, measured in the same run.
//!
//! `cargo bench -p sixtyfour-ledger --bench durability`

use std::time::Instant;

use sixtyfour_ledger::store::{Change, SyncRow};
use sixtyfour_ledger::{Durability, Resend, RowKey, SqliteStore, Store};

const ROWS: u64 = 2_000;

fn run(durability: Durability, batch: usize) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(&dir.path().join("bench.ledger"), durability).expect("open");
    let mut rows = (1..=ROWS).map(|i| {
        Ok(SyncRow {
            content_hash: format!("{i:064x}"),
            key: RowKey::Occurrence(1),
            lead: format!(
                "{{\"name\":\"Lead {i}\",\"company\":\"Company {}\"}}",
                i % 97
            ),
            position: i,
            line: Some(i + 1),
        })
    });
    store
        .sync(1, &mut rows, &Resend::default(), true)
        .expect("sync");
    let work = store.work(1).expect("work");
    let answer = r#"{"notes":"n","structured_data":{"email":"lead@example.com","title":"CTO"},"references":{},"confidence_score":7.5}"#;
    let started = Instant::now();
    for chunk in work.chunks(batch) {
        let ids: Vec<i64> = chunk.iter().map(|w| w.id).collect();
        store.mark_submitting(&ids).expect("mark");
        for id in &ids {
            store
                .record(
                    *id,
                    &Change::Submitted {
                        task_id: format!("task-{id}"),
                    },
                )
                .expect("submitted");
        }
        for id in &ids {
            store
                .record(
                    *id,
                    &Change::Completed {
                        raw_answer: answer.to_owned(),
                        cast_answer: Some(
                            r#"{"email":"lead@example.com","title":"CTO"}"#.to_owned(),
                        ),
                        cast_error: None,
                    },
                )
                .expect("completed");
        }
    }
    ROWS as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    println!(
        "{ROWS} rows each: mark submitting (in batches), record the task id, record the answer"
    );
    for batch in [1, 16] {
        let normal = run(Durability::Normal, batch);
        for (name, durability) in [
            ("Full (every commit synced)", Durability::Full),
            ("SubmitsFull (default)", Durability::SubmitsFull),
            ("Normal (none synced)", Durability::Normal),
        ] {
            let rate = if durability == Durability::Normal {
                normal
            } else {
                run(durability, batch)
            };
            println!(
                "batch {batch:>2}  {name:<28} {rate:>9.0} rows/s  {:>7.3} ms per row  ({:.1}x the time of Normal)",
                1000.0 / rate,
                normal / rate
            );
        }
    }
}
