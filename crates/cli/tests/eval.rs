//! `sixtyfour eval` as a process: the figures it prints on the repository's fixture web meet
//! the goals (precision >= 0.95 and recall >= 0.80 over email, title, company, location,
//! linkedin and website; the 80-100 confidence band right at least 90% of the time), and every
//! kind of bad input is exit 2 with a message naming it.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{BIN, run, stderr, workdir};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web/fixtures")
}

fn eval(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.env_remove("RUST_LOG").arg("eval").args(args);
    command
}

/// The numbers of the report line starting with `label`.
fn numbers(report: &str, label: &str) -> Vec<f64> {
    let line = report
        .lines()
        .find(|l| l.split_whitespace().next() == Some(label))
        .unwrap_or_else(|| panic!("no `{label}` line in\n{report}"));
    line.split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixture_web_meets_the_goals() {
    let fixtures = fixtures();
    let (web, truth, fields) = (
        fixtures.join("web"),
        fixtures.join("truth.jsonl"),
        fixtures.join("fields.json"),
    );
    let out = run(eval(&[
        "--offline-web",
        web.to_str().unwrap(),
        "--truth",
        truth.to_str().unwrap(),
        "--fields",
        fields.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = String::from_utf8(out.stdout).unwrap();
    let leads = std::fs::read_to_string(&truth).unwrap().lines().count();
    assert!(report.starts_with(&format!("{leads} leads\n")), "{report}");

    // field answered right expected found precision recall
    let overall = numbers(&report, "overall");
    let (precision, recall) = (overall[4], overall[5]);
    assert!(precision >= 0.95, "precision {precision}\n{report}");
    assert!(recall >= 0.80, "recall {recall}\n{report}");
    assert!(overall[0] > 0.0 && overall[2] > 0.0, "{report}");
    assert!(
        report.contains("(overall is over email, title, company, location, linkedin, website)"),
        "{report}"
    );
    let mut over_goals = [0.0; 4];
    for field in [
        "email", "title", "company", "location", "linkedin", "website",
    ] {
        let row = numbers(&report, field);
        for (sum, value) in over_goals.iter_mut().zip(&row) {
            *sum += value;
        }
    }
    assert_eq!(over_goals.to_vec(), overall[..4].to_vec(), "{report}");

    // The 80-100 band: answered, right share.
    let band = numbers(&report, "80-100");
    assert!(band[0] > 0.0, "{report}");
    assert!(band[1] >= 0.90, "80-100 band right {}\n{report}", band[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misses_are_listed_on_request() {
    let dir = fixtures().join("handwritten");
    let out = run(eval(&[
        "--offline-web",
        dir.join("web").to_str().unwrap(),
        "--truth",
        dir.join("truth.jsonl").to_str().unwrap(),
        "--fields",
        dir.join("fields.json").to_str().unwrap(),
        "--misses",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.starts_with("12 leads\n"), "{report}");
    assert!(report.contains("\nwrong or missing values:\n"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_exit_2_naming_what_is_wrong() {
    let dir = workdir();
    let fixtures = fixtures();
    let web = fixtures.join("web");
    let web = web.to_str().unwrap();
    let truth = fixtures.join("truth.jsonl");
    let truth = truth.to_str().unwrap();
    let fields = fixtures.join("fields.json");
    let fields = fields.to_str().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let bad_line = write(
        "bad-line.jsonl",
        "{\"lead_info\": {\"name\": \"A B\"}, \"expected\": {}}\n{\"lead_info\": 5}\n",
    );
    let not_json = write("fields.json", "{\"email\": ");
    let bad_type = write("typed.json", "{\"age\": {\"type\": \"integr\"}}");
    let empty = write("empty.jsonl", "");
    let missing = dir.path().join("no-such-web");
    let missing = missing.to_str().unwrap();
    let rows: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--offline-web",
                missing,
                "--truth",
                truth,
                "--fields",
                fields,
            ],
            "no-such-web",
        ),
        (
            vec![
                "--offline-web",
                web,
                "--truth",
                &bad_line,
                "--fields",
                fields,
            ],
            "bad-line.jsonl, line 2: `lead_info` must be an object",
        ),
        (
            vec![
                "--offline-web",
                web,
                "--truth",
                truth,
                "--fields",
                &not_json,
            ],
            "fields.json: not a valid struct",
        ),
        (
            vec![
                "--offline-web",
                web,
                "--truth",
                truth,
                "--fields",
                &bad_type,
            ],
            "integr",
        ),
        (
            vec!["--offline-web", web, "--truth", &empty, "--fields", fields],
            "no lead to evaluate",
        ),
        (
            vec![
                "--offline-web",
                web,
                "--truth",
                "nowhere.jsonl",
                "--fields",
                fields,
            ],
            "nowhere.jsonl",
        ),
        (
            vec![
                "--offline-web",
                web,
                "--truth",
                truth,
                "--fields",
                fields,
                "--llm-base-url",
                "http://127.0.0.1:9/v1",
                "--llm-model",
                "m",
                "--llm-key-env",
                "SIXTYFOUR_SURELY_UNSET_EVAL_KEY",
            ],
            "SIXTYFOUR_SURELY_UNSET_EVAL_KEY",
        ),
        (vec!["--offline-web", web, "--truth", truth], "--fields"),
        (
            vec![
                "--offline-web",
                web,
                "--truth",
                truth,
                "--fields",
                fields,
                "--llm-model",
                "m",
            ],
            "--llm-base-url",
        ),
    ];
    for (args, want) in rows {
        let out = run(eval(&args)).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}: nothing printed on stdout");
    }
}
