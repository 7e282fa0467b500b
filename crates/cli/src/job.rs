//! `sixtyfour status ID` and `sixtyfour wait ID`: one job, by its task id.

use std::time::Duration;

use serde_json::{Value, json};
use sixtyfour::{ApiErrorKind, Client, Error, JobStatus, PollPolicy, TaskId};

use crate::args::{ApiArgs, JobArgs, WaitArgs};
use crate::exit::{CliError, Exit};
use crate::plan::check_poll;

/// A task id that cannot be valid is refused before any request.
fn task_id(text: &str) -> Result<TaskId, CliError> {
    TaskId::new(text).map_err(|err| CliError::Usage(format!("`{text}` is not a task id: {err}")))
}

fn client(api: &ApiArgs, poll: Option<PollPolicy>) -> Result<Client, CliError> {
    let key = crate::key::api_key(api.api_key_file.as_deref())?;
    let mut builder = Client::builder().api_key(key).rate_limit(None);
    if let Some(url) = api.base_url.as_deref().filter(|u| !u.trim().is_empty()) {
        builder = builder.base_url(url);
    }
    if let Some(poll) = poll {
        builder = builder.poll_policy(poll);
    }
    builder.build().map_err(|e| CliError::Usage(e.to_string()))
}

fn status_json(status: &JobStatus) -> Value {
    json!({
        "task_id": status.task_id.as_str(),
        "status": status.state.to_string(),
        "processed_items": status.processed_items,
        "total_items": status.total_items,
        "error": status.error,
        "result": status.result.as_ref().map(|r| serde_json::Value::Object(r.to_map())),
    })
}

fn print(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

/// The exit of an error from the API.
fn exit_for(error: &Error) -> Exit {
    match error {
        Error::Api {
            kind:
                ApiErrorKind::Unauthorized | ApiErrorKind::PaymentRequired | ApiErrorKind::Forbidden,
            ..
        } => Exit::AccountStopped,
        Error::Api {
            kind: ApiErrorKind::NotFound,
            ..
        }
        | Error::JobFailed { .. } => Exit::SomeFailed,
        Error::InvalidRequest { .. } | Error::Config { .. } => Exit::BadInput,
        _ => Exit::Unfinished,
    }
}

/// `sixtyfour status ID`.
pub async fn status(args: JobArgs) -> Result<Exit, CliError> {
    let id = task_id(&args.task_id)?;
    let client = client(&args.api, None)?;
    match client.job_status(&id).await {
        Ok(status) => {
            print(&status_json(&status));
            Ok(Exit::Completed)
        }
        Err(err) => {
            eprintln!("error: {err}");
            Ok(exit_for(&err))
        }
    }
}

/// `sixtyfour wait ID`.
pub async fn wait(args: WaitArgs) -> Result<Exit, CliError> {
    let id = task_id(&args.task_id)?;
    check_poll(args.poll_initial, args.poll_max)?;
    let poll = PollPolicy {
        initial: args.poll_initial,
        factor: 1.5,
        max: args.poll_max,
    };
    let client = client(&args.api, Some(poll))?;
    // The client's own retries happen inside the wait; this bound holds whatever they do.
    let outcome = tokio::time::timeout(
        args.deadline + Duration::from_secs(1),
        client.wait_for(&id, args.deadline),
    )
    .await;
    match outcome {
        Ok(Ok(result)) => {
            print(&serde_json::Value::Object(result.to_map()));
            Ok(Exit::Completed)
        }
        Ok(Err(err)) => {
            eprintln!("error: {err}");
            Ok(exit_for(&err))
        }
        Err(_) => {
            eprintln!(
                "job {id} still running after {:?}; it keeps running: run `sixtyfour wait {id}` again",
                args.deadline
            );
            Ok(Exit::Unfinished)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids_are_checked() {
        assert!(task_id("bdd69815-a1c0-480d-bfa5-d5fbb9745893").is_ok());
        // Ids are percent-encoded in paths, so `a/b` is a valid (if odd) id.
        assert!(task_id("a/b").is_ok());
        for bad in ["", "a b", "..", "tâche", &"x".repeat(257)] {
            assert!(task_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_map_to_exits() {
        let rows = [
            (Error::from_response(401, b"{}"), Exit::AccountStopped),
            (Error::from_response(402, b"{}"), Exit::AccountStopped),
            (Error::from_response(404, b"{}"), Exit::SomeFailed),
            (Error::from_response(500, b"{}"), Exit::Unfinished),
            (
                Error::JobFailed {
                    task_id: TaskId::new("t").unwrap(),
                    message: "m".into(),
                },
                Exit::SomeFailed,
            ),
            (
                Error::Deadline {
                    task_id: TaskId::new("t").unwrap(),
                    waited: Duration::from_secs(1),
                    last_state: sixtyfour::JobState::Processing,
                },
                Exit::Unfinished,
            ),
        ];
        for (error, exit) in rows {
            assert_eq!(exit_for(&error), exit, "{error:?}");
        }
    }
}
