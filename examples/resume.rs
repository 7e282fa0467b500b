//! Submit a job, keep its task id, "restart", then wait on the stored id: the job is never lost,
//! even when the process that submitted it is gone. Offline unless SIXTYFOUR_API_KEY is set.
//!
//! `cargo run --example resume`

use sixtyfour::{EnrichRequest, Schema, TaskId};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, emulator) = sixtyfour_examples::client().await?;
    let store = std::env::temp_dir().join("sixtyfour-resume-example.task");

    // First "process": submit and write the task id down before anything else can go wrong.
    let schema = Schema::builder()
        .describe("title", "The individual's job title")
        .describe("email", "The individual's email address")
        .build()?;
    let request = EnrichRequest::from_lead(
        &serde_json::json!({"linkedin": "https://linkedin.example/in/rafaelnunez"}),
        schema,
    )?;
    let task_id = client.submit(&request).await?;
    std::fs::write(&store, serde_json::to_string(&task_id)?)?;
    println!("submitted {task_id}; stored in {}", store.display());
    drop(client);
    println!("-- restart --");

    // Second "process": a new client, the task id read back.
    let client = match &emulator {
        Some(emulator) => sixtyfour::Client::for_emulator(emulator)?,
        None => sixtyfour::Client::from_env()?,
    };
    let task_id: TaskId = serde_json::from_str(&std::fs::read_to_string(&store)?)?;
    let status = client.job_status(&task_id).await?;
    println!("job {task_id} is {}", status.state);
    let result = client.wait(&task_id).await?;
    println!(
        "finished: {}",
        serde_json::Value::Object(result.structured_data)
    );
    std::fs::remove_file(&store)?;
    Ok(())
}
