//! Where the API key comes from, and where it never goes: a run traced at every level writes it
//! nowhere (stdout, stderr, the output, the journal, the lock file).

mod common;

use std::process::Command;

use common::*;
use sixtyfour_emulator::Emulator;

const KEY: &str = "sk-live-7f3a9c1e-canary-d41d8cd98f00";

fn keyless(dir: &std::path::Path, base_url: &str, args: &[&str]) -> Command {
    let mut command = command_for(base_url, "unused", dir, args);
    command.env_remove("SIXTYFOUR_API_KEY");
    command
}

#[cfg(unix)]
fn private(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_comes_from_a_file_or_the_environment() {
    let emulator = Emulator::builder().api_key(KEY).spawn().await.unwrap();
    let (dir, _) = csv_workdir(3);
    let key_file = dir.path().join("api.key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    #[cfg(unix)]
    private(&key_file);
    let url = emulator.base_url();

    let out = run(keyless(
        dir.path(),
        &url,
        &[
            "leads.csv",
            "--fields",
            "fields.json",
            "-o",
            "a.jsonl",
            "--api-key-file",
            "api.key",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    let mut command = keyless(
        dir.path(),
        &url,
        &["leads.csv", "--fields", "fields.json", "-o", "b.jsonl"],
    );
    command.env("SIXTYFOUR_API_KEY_FILE", &key_file);
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The file wins over SIXTYFOUR_API_KEY.
    let wrong = dir.path().join("wrong.key");
    std::fs::write(&wrong, "sk-wrong").unwrap();
    #[cfg(unix)]
    private(&wrong);
    let mut command = command_for(
        &url,
        KEY,
        dir.path(),
        &[
            "leads.csv",
            "--fields",
            "fields.json",
            "-o",
            "c.jsonl",
            "--api-key-file",
            "wrong.key",
        ],
    );
    command.env("SIXTYFOUR_API_KEY", KEY);
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));

    // No key at all, a missing or an empty file: usage errors naming every source.
    let out = run(keyless(
        dir.path(),
        &url,
        &["leads.csv", "--fields", "fields.json", "-o", "d.jsonl"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    for source in [
        "SIXTYFOUR_API_KEY",
        "SIXTYFOUR_API_KEY_FILE",
        "--api-key-file",
    ] {
        assert!(stderr(&out).contains(source), "{}", stderr(&out));
    }
    let out = run(keyless(
        dir.path(),
        &url,
        &[
            "leads.csv",
            "--fields",
            "fields.json",
            "--api-key-file",
            "nope.key",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read the API key file nope.key"),
        "{}",
        stderr(&out)
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = run(keyless(
            dir.path(),
            &url,
            &[
                "leads.csv",
                "--fields",
                "fields.json",
                "-o",
                "a.jsonl",
                "--api-key-file",
                "api.key",
            ],
        ))
        .await;
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("can be read by other users (mode 644)"),
            "{}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains(KEY));
    }
}

#[test]
fn help_names_every_source_of_the_key() {
    let out = Command::new(BIN)
        .args(["enrich", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for source in [
        "--api-key-file",
        "SIXTYFOUR_API_KEY_FILE",
        "SIXTYFOUR_API_KEY ",
    ] {
        assert!(help.contains(source), "{source} missing from:\n{help}");
    }
}

/// Everything a traced run wrote, searched for the key.
#[tokio::test(flavor = "multi_thread")]
async fn a_traced_run_writes_the_key_nowhere() {
    let emulator = Emulator::builder().api_key(KEY).spawn().await.unwrap();
    for from_file in [false, true] {
        let (dir, _) = csv_workdir(4);
        let mut command = command_for(
            &emulator.base_url(),
            KEY,
            dir.path(),
            &[
                "leads.csv",
                "--fields",
                "fields.json",
                "-o",
                "out.csv",
                "--journal",
                "run.journal",
            ],
        );
        command.env("RUST_LOG", "trace");
        if from_file {
            let key_file = dir.path().join("api.key");
            std::fs::write(&key_file, KEY).unwrap();
            #[cfg(unix)]
            private(&key_file);
            command
                .env_remove("SIXTYFOUR_API_KEY")
                .env("SIXTYFOUR_API_KEY_FILE", &key_file);
        }
        let out = run(command).await;
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            out.stderr.len() > 1000,
            "the run was traced: {} bytes",
            out.stderr.len()
        );
        let mut places: Vec<(String, Vec<u8>)> = vec![
            ("stdout".into(), out.stdout.clone()),
            ("stderr".into(), out.stderr.clone()),
        ];
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == "api.key") {
                continue;
            }
            places.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
        let names: Vec<&str> = places.iter().map(|(n, _)| n.as_str()).collect();
        assert!(
            names.iter().any(|n| n.ends_with("run.journal"))
                && names.iter().any(|n| n.ends_with("run.journal.lock")),
            "{names:?}"
        );
        for (name, bytes) in &places {
            let found = bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes());
            assert!(!found, "the key is in {name}");
            // Not even a long piece of it.
            let piece = &KEY.as_bytes()[8..24];
            assert!(
                !bytes.windows(piece.len()).any(|w| w == piece),
                "a piece of the key is in {name}"
            );
        }
    }
}
