//! Compile-time behaviour of `#[derive(Enrich)]`: what it accepts, and the errors it gives,
//! each underlining the offending token.
//!
//! The cases use the runtime through `sixtyfour-casting` (which re-exports the derive), named
//! `sixtyfour` as users write it, so this suite compiles only the casting crate, serde and
//! syn, not the client's dependency tree.
//!
//! The `.stderr` snapshots hold only errors the derive writes itself. An error the compiler
//! writes around the derive's text (a field type that is not `EnrichField`) is checked by its
//! message, note and span instead, so a new compiler's extra notes cannot break it.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn derive_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}

/// A field type without `EnrichField` gets the trait's own message, naming `EnrichField` and
/// the two ways out, underlined on the type; not "`Enrich` is not implemented".
#[test]
fn unsupported_field_type_names_enrich_field() {
    let diagnostics = compile_errors("missing_enrich_field");
    let error = diagnostics
        .iter()
        .find(|d| d["message"] == "`Money` cannot be a field of an `Enrich` type")
        .unwrap_or_else(|| panic!("no error about `Money`: {diagnostics:#?}"));
    let rendered = error["rendered"].as_str().unwrap_or_default();
    assert!(
        rendered.contains("`Money` does not implement `EnrichField`"),
        "{rendered}"
    );
    assert!(
        rendered.contains("implement `EnrichField` for `Money`")
            && rendered.contains("#[enrich(type = \"...\")]"),
        "{rendered}"
    );
    let span = error["spans"]
        .as_array()
        .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true))
        .unwrap_or_else(|| panic!("no primary span: {error:#?}"));
    assert_eq!(span["line_start"], 13, "{span:#?}");
    assert_eq!(span["text"][0]["text"], "    revenue: Money,", "{span:#?}");
    for diagnostic in &diagnostics {
        let text = diagnostic["rendered"].as_str().unwrap_or_default();
        assert!(
            !text.contains("`Enrich` is not implemented"),
            "points at the wrong trait: {text}"
        );
    }
}

/// The errors of compiling `tests/diagnostics/{case}.rs` against the runtime, as the
/// compiler's JSON diagnostics. The case is built in trybuild's target directory with the
/// flags trybuild uses, so the dependencies it built are reused.
fn compile_errors(case: &str) -> Vec<serde_json::Value> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest
        .parent()
        .and_then(Path::parent)
        .unwrap_or(&manifest)
        .to_path_buf();
    let target = workspace.join("target");
    let project = target.join("tests").join("enrich-diagnostics").join(case);
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::copy(
        manifest
            .join("tests/diagnostics")
            .join(format!("{case}.rs")),
        project.join("src/main.rs"),
    )
    .unwrap();
    let _ = std::fs::copy(workspace.join("Cargo.lock"), project.join("Cargo.lock"));
    std::fs::write(project.join("Cargo.toml"), manifest_text(case, &workspace)).unwrap();

    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", target.join("tests").join("trybuild"))
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .args([
            "build",
            "--offline",
            "--quiet",
            "--message-format=json",
            "--color=never",
        ])
        .arg(r#"--config=build.rustflags=["--cfg","trybuild","--verbose","-A","dead_code"]"#)
        .output()
        .unwrap();
    assert!(!output.status.success(), "the case compiled");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-message")
        .map(|message| message["message"].clone())
        .filter(|diagnostic| diagnostic["level"] == "error")
        .collect()
}

fn manifest_text(case: &str, workspace: &Path) -> String {
    let path = |crate_dir: &str| {
        workspace
            .join("crates")
            .join(crate_dir)
            .display()
            .to_string()
            .replace('\\', "/")
            + "/"
    };
    format!(
        r#"[package]
name = "enrich-diagnostics-{case}"
version = "0.0.0"
edition = "2024"
publish = false

# The same dependencies, with the same features, as trybuild's project, so that its builds
# are reused.
[dependencies]
sixtyfour-casting = {{ path = "{casting}", features = ["derive"] }}
sixtyfour-derive = {{ path = "{derive}" }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["preserve_order", "float_roundtrip"] }}
proc-macro2 = "1"
quote = "1"
syn = "3"

[workspace]
"#,
        casting = path("casting"),
        derive = path("derive"),
    )
}
