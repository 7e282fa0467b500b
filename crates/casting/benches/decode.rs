//! Typed decoding of service-shaped records against the serde floor, and against pydantic
//! when `python3` can import it, all in one run:
//!
//! ```sh
//! cargo bench -p sixtyfour-casting --bench decode
//! ```
//!
//! 100,000 records of 12 fields as the service answers them: 8 texts, an integer as text
//! (`"1234"` to `i64`), a float as text (`"12.5"` to `f64`), a boolean word (`"yes"`/`"false"`
//! to `bool`) and a list as JSON text (to `Vec<String>`). The floor is serde_json into a struct
//! of the same 12 fields, all `String`: the same reading with no casting at all. Each figure is
//! the best of `BENCH_ROUNDS` rounds (default 5) over all records. Every record is first
//! checked to decode on the fast path, so the figures never time the path-reporting fallback.
//! A last table compares `resolve` + `cast_record` with serde on the reference's 11 text fields.
//!
//! Times move with the machine's load; instruction counts do not. `benches/instructions.sh`
//! counts each path's instructions per record under valgrind, using `BENCH_ONLY=PATH`, which
//! decodes 20,000 records one way (in a function `decode::only_PATH`) and stops.

extern crate sixtyfour_casting as sixtyfour;

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use sixtyfour_casting::__private::{decode_fast, decode_slice_fast};
use sixtyfour_casting::{Schema, cast_record_owned, decode, decode_owned, decode_slice, resolve};
use sixtyfour_derive::Enrich;

const RECORDS: usize = 100_000;

/// The typed result: what a user declares.
#[allow(dead_code)]
#[derive(Deserialize, Enrich)]
struct Lead {
    /// The individual's full name
    name: String,
    /// The individual's email address
    email: String,
    /// The individual's phone number
    phone: String,
    /// The company the individual is associated with
    company: String,
    /// The individual's job title
    title: String,
    /// LinkedIn URL for the person
    linkedin: String,
    /// Company website URL
    website: String,
    /// The individual's location
    location: String,
    /// Number of employees at the company
    employees: i64,
    /// Fit score from 0 to 100
    score: f64,
    /// Whether the email address was verified
    verified: bool,
    /// Programming languages on their GitHub
    languages: Vec<String>,
}

/// The floor's twelve texts decoded by sixtyfour: what the decoder costs with nothing to cast.
#[allow(dead_code)]
#[derive(Deserialize, Enrich)]
struct TextLead {
    /// Full name
    name: String,
    /// Email address
    email: String,
    /// Phone number
    phone: String,
    /// Company
    company: String,
    /// Job title
    title: String,
    /// LinkedIn URL
    linkedin: String,
    /// Company website
    website: String,
    /// Location
    location: String,
    /// Employees, as text
    employees: String,
    /// Fit score, as text
    score: String,
    /// Verified, as text
    verified: String,
    /// Languages, as JSON text
    languages: String,
}

/// The floor: the same fields read as text, no casting.
#[allow(dead_code)]
#[derive(Deserialize)]
struct Floor {
    name: String,
    email: String,
    phone: String,
    company: String,
    title: String,
    linkedin: String,
    website: String,
    location: String,
    employees: String,
    score: String,
    verified: String,
    languages: String,
}

/// A small deterministic generator (64-bit LCG), so every run and the Python script see the
/// same records.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

fn record(rng: &mut Lcg, n: usize) -> Map<String, Value> {
    const FIRST: &[&str] = &[
        "Mara", "Rafael", "Ines", "Tomasz", "Aiko", "Kwame", "Lena", "Omar",
    ];
    const LAST: &[&str] = &[
        "Quill",
        "Núñez",
        "Okafor",
        "Wiśniewski",
        "Tanaka",
        "Mensah",
        "Berg",
    ];
    const COMPANY: &[&str] = &[
        "Lanternfish Labs",
        "Kestrel Data",
        "Harbor & Vine",
        "Northwind Bio",
    ];
    const TITLE: &[&str] = &[
        "CEO & Co-Founder",
        "Staff Engineer",
        "VP Sales",
        "Head of Data",
    ];
    const CITY: &[&str] = &[
        "Portland, Oregon, USA",
        "Lisbon, Portugal",
        "Osaka, Japan",
        "Accra, Ghana",
    ];
    const LANGUAGES: &[&str] = &["Rust", "Go", "Python", "TypeScript", "Kotlin", "SQL"];
    const WORDS: &[&str] = &["yes", "false", "no", "true"];
    let first = rng.pick(FIRST);
    let last = rng.pick(LAST);
    let company = rng.pick(COMPANY);
    let domain = company
        .split_whitespace()
        .next()
        .unwrap_or("company")
        .to_ascii_lowercase();
    let languages: Vec<&str> = (0..1 + rng.next() % 4)
        .map(|_| rng.pick(LANGUAGES))
        .collect();
    let object = json!({
        "name": format!("{first} {last}"),
        "email": format!("{}.{n}@{domain}.example", first.to_ascii_lowercase()),
        "phone": format!("+1 503 555 {:04}", rng.next() % 10_000),
        "company": company,
        "title": rng.pick(TITLE),
        "linkedin": format!("https://linkedin.example/in/{}{n}", first.to_ascii_lowercase()),
        "website": format!("https://{domain}.example/"),
        "location": rng.pick(CITY),
        "employees": (1 + rng.next() % 50_000).to_string(),
        "score": format!("{}.{}", rng.next() % 100, rng.next() % 10),
        "verified": rng.pick(WORDS),
        "languages": serde_json::to_string(&languages).unwrap_or_default(),
    });
    match object {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn rounds() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(5)
        .max(1)
}

/// Nanoseconds per record of the fastest of `rounds` runs; `prepare` (untimed) makes each
/// run's input.
fn best<I>(rounds: usize, mut prepare: impl FnMut() -> I, mut run: impl FnMut(I)) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let input = prepare();
        let start = Instant::now();
        run(input);
        best = best.min(start.elapsed().as_nanos() as f64 / RECORDS as f64);
    }
    best
}

/// The fastest time per record of each measurement, the measurements taken in turn each round
/// so that a busy machine slows them alike.
#[derive(Default)]
struct Timer {
    best: Vec<(&'static str, f64)>,
}

impl Timer {
    fn time<I>(&mut self, name: &'static str, prepare: impl FnOnce() -> I, run: impl FnOnce(I)) {
        let input = prepare();
        let start = Instant::now();
        run(input);
        let ns = start.elapsed().as_nanos() as f64 / RECORDS as f64;
        match self.best.iter_mut().find(|(n, _)| *n == name) {
            Some((_, best)) => *best = best.min(ns),
            None => self.best.push((name, ns)),
        }
    }

    fn best(&self, name: &str) -> f64 {
        self.best
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(f64::NAN, |(_, ns)| *ns)
    }
}

#[inline(never)]
fn only_floor(maps: &[Map<String, Value>]) {
    for map in maps {
        drop(black_box(Floor::deserialize(map)));
    }
}

#[inline(never)]
fn only_lead(maps: &[Map<String, Value>], lead_info: &Map<String, Value>) {
    for map in maps {
        drop(black_box(decode::<Lead>(map, lead_info)));
    }
}

#[inline(never)]
fn only_text(maps: &[Map<String, Value>], lead_info: &Map<String, Value>) {
    for map in maps {
        drop(black_box(decode::<TextLead>(map, lead_info)));
    }
}

#[inline(never)]
fn only_floor_owned(maps: Vec<Map<String, Value>>) {
    for map in maps {
        drop(black_box(serde_json::from_value::<Floor>(Value::Object(
            map,
        ))));
    }
}

#[inline(never)]
fn only_owned(maps: Vec<Map<String, Value>>, lead_info: &Map<String, Value>) {
    for map in maps {
        drop(black_box(decode_owned::<Lead>(map, lead_info)));
    }
}

#[inline(never)]
fn only_floor_bytes(bytes: &[Vec<u8>]) {
    for json in bytes {
        drop(black_box(serde_json::from_slice::<Floor>(json)));
    }
}

#[inline(never)]
fn only_bytes(bytes: &[Vec<u8>], lead_info: &Map<String, Value>) {
    for json in bytes {
        drop(black_box(decode_slice::<Lead>(json, lead_info)));
    }
}

/// pydantic's figures from the script beside this file, or why there are none.
fn pydantic(records: &[Vec<u8>], rounds: usize) -> Result<Value, String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/pydantic_decode.py");
    let probe = Command::new("python3")
        .args(["-c", "import pydantic"])
        .output()
        .map_err(|err| format!("python3 not found ({err})"))?;
    if !probe.status.success() {
        return Err("python3 cannot import pydantic (pip install pydantic)".into());
    }
    let path = std::env::temp_dir().join(format!("sixtyfour-decode-{}.jsonl", std::process::id()));
    let mut text = Vec::with_capacity(records.iter().map(|r| r.len() + 1).sum());
    for record in records {
        text.extend_from_slice(record);
        text.push(b'\n');
    }
    std::fs::write(&path, text).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    let output = Command::new("python3")
        .arg(&script)
        .arg(&path)
        .arg(rounds.min(3).to_string())
        .output();
    let _ = std::fs::remove_file(&path);
    let output = output.map_err(|err| format!("python3 failed to start: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "the pydantic script failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|err| format!("unreadable script output: {err}"))
}

/// How many records `BENCH_ONLY` decodes (see `benches/instructions.sh`).
const PROFILED: usize = 20_000;

/// The goals the printout checks.
const MAX_RATIO: f64 = 1.5;
const MIN_SPEEDUP: f64 = 3.0;

fn main() {
    let rounds = rounds();
    let mut rng = Lcg(64);
    let maps: Vec<Map<String, Value>> = (0..RECORDS).map(|n| record(&mut rng, n)).collect();
    let bytes: Vec<Vec<u8>> = maps
        .iter()
        .map(|map| serde_json::to_vec(map).unwrap_or_default())
        .collect();
    let lead_info = Map::new();

    // Every record decodes on the fast path (so the figures are never the fallback's), the
    // same way from a map and from bytes.
    for (map, json) in maps.iter().zip(&bytes) {
        let a: Lead = decode_fast(map, &lead_info).expect("every record decodes on the fast path");
        let b: Lead =
            decode_slice_fast(json, &lead_info).expect("every record decodes fast from bytes");
        assert_eq!(
            (a.employees, a.score.to_bits(), a.verified, &a.languages),
            (b.employees, b.score.to_bits(), b.verified, &b.languages)
        );
    }

    // Profiling aid: `BENCH_ONLY=PATH` decodes `PROFILED` records one way and stops; each path
    // is a function of its own (`decode::only_PATH`) for `valgrind --toggle-collect`.
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        let maps = &maps[..PROFILED];
        let bytes = &bytes[..PROFILED];
        match only.as_str() {
            "floor" => only_floor(maps),
            "lead" => only_lead(maps, &lead_info),
            "text" => only_text(maps, &lead_info),
            "floor_owned" => only_floor_owned(maps.to_vec()),
            "owned" => only_owned(maps.to_vec(), &lead_info),
            "floor_bytes" => only_floor_bytes(bytes),
            "bytes" => only_bytes(bytes, &lead_info),
            other => panic!("unknown BENCH_ONLY path {other:?}"),
        }
        println!("records {PROFILED}");
        return;
    }

    let mut timer = Timer::default();
    for _ in 0..rounds {
        timer.time(
            "floor_map",
            || (),
            |()| {
                for map in &maps {
                    black_box(Floor::deserialize(map).expect("floor decodes"));
                }
            },
        );
        timer.time(
            "decode_map",
            || (),
            |()| {
                for map in &maps {
                    black_box(decode::<Lead>(map, &lead_info).expect("decodes"));
                }
            },
        );
        timer.time(
            "text_lead",
            || (),
            |()| {
                for map in &maps {
                    black_box(decode::<TextLead>(map, &lead_info).expect("decodes"));
                }
            },
        );
        timer.time(
            "floor_owned",
            || maps.clone(),
            |maps| {
                for map in maps {
                    black_box(
                        serde_json::from_value::<Floor>(Value::Object(map)).expect("floor decodes"),
                    );
                }
            },
        );
        timer.time(
            "decode_owned",
            || maps.clone(),
            |maps| {
                for map in maps {
                    black_box(decode_owned::<Lead>(map, &lead_info).expect("decodes"));
                }
            },
        );
        timer.time(
            "floor_bytes",
            || (),
            |()| {
                for json in &bytes {
                    black_box(serde_json::from_slice::<Floor>(json).expect("floor decodes"));
                }
            },
        );
        timer.time(
            "decode_bytes",
            || (),
            |()| {
                for json in &bytes {
                    black_box(decode_slice::<Lead>(json, &lead_info).expect("decodes"));
                }
            },
        );
    }
    let floor_map = timer.best("floor_map");
    let decode_map = timer.best("decode_map");
    let text_lead = timer.best("text_lead");
    let floor_owned = timer.best("floor_owned");
    let decode_owned_map = timer.best("decode_owned");
    let floor_bytes = timer.best("floor_bytes");
    let decode_bytes = timer.best("decode_bytes");

    println!(
        "decode: {RECORDS} service-shaped records of 12 fields (8 texts, \"1234\" -> i64, \"12.5\" -> f64, \"yes\"/\"false\" -> bool, a list as JSON text -> Vec<String>)"
    );
    println!(
        "best of {rounds} rounds (BENCH_ROUNDS), the paths timed in turn each round; {}",
        machine_load()
    );
    println!(
        "the floor is serde_json into a struct of the same 12 fields, all String: the same reading, no casting"
    );
    println!("{:<60} {:>10} {:>8}", "", "ns/record", "ratio");
    let row = |label: &str, ns: f64, ratio: f64, note: &str| {
        println!("  {label:<58} {ns:>10.0} {ratio:>7.2}x  {note}")
    };
    let goal = |ratio: f64| {
        if ratio <= MAX_RATIO {
            format!("goal <= {MAX_RATIO}x: met")
        } else {
            format!("goal <= {MAX_RATIO}x: NOT MET")
        }
    };
    println!("from a parsed map (&serde_json::Map)");
    row("serde floor: Floor::deserialize(&map)", floor_map, 1.0, "");
    row(
        "sixtyfour::decode::<Lead>(&map, ..)",
        decode_map,
        decode_map / floor_map,
        &goal(decode_map / floor_map),
    );
    row(
        "sixtyfour::decode::<TextLead>(&map, ..): the floor's shape",
        text_lead,
        text_lead / floor_map,
        "the decoder's own cost",
    );
    println!("from an owned map");
    row(
        "serde floor: from_value(Value::Object(map)), moving texts",
        floor_owned,
        1.0,
        "",
    );
    row(
        "sixtyfour::decode_owned::<Lead>(map, ..)",
        decode_owned_map,
        decode_owned_map / floor_owned,
        "decodes as from &map, then drops the map",
    );
    println!("from bytes (one record's JSON text)");
    row(
        "serde floor: serde_json::from_slice::<Floor>(bytes)",
        floor_bytes,
        1.0,
        "",
    );
    row(
        "sixtyfour::decode_slice::<Lead>(bytes, ..)",
        decode_bytes,
        decode_bytes / floor_bytes,
        &goal(decode_bytes / floor_bytes),
    );

    match pydantic(&bytes, rounds) {
        Ok(figures) => {
            let get = |key: &str| figures.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN);
            let version = figures
                .get("pydantic")
                .and_then(Value::as_str)
                .unwrap_or("?");
            println!(
                "pydantic {version} on the same records; last column: how many times faster sixtyfour is (goal >= {MIN_SPEEDUP}x)"
            );
            let pyrow = |label: &str, ns: f64, ours: f64, against: &str| {
                let speedup = ns / ours;
                let verdict = if speedup >= MIN_SPEEDUP {
                    "met"
                } else {
                    "NOT MET"
                };
                println!("  {label:<58} {ns:>10.0} {speedup:>7.2}x  vs {against}: {verdict}")
            };
            pyrow(
                "TypeAdapter.validate_python, lax, one record per call",
                get("validate_python_each"),
                decode_map,
                "decode",
            );
            pyrow(
                "TypeAdapter.validate_python, lax, all in one call",
                get("validate_python_batch"),
                decode_map,
                "decode",
            );
            pyrow(
                "TypeAdapter.validate_json, one record per call",
                get("validate_json_each"),
                decode_bytes,
                "decode_slice",
            );
            pyrow(
                "TypeAdapter.validate_json, all in one call",
                get("validate_json_batch"),
                decode_bytes,
                "decode_slice",
            );
        }
        Err(why) => println!("pydantic: skipped, {why}"),
    }
    println!(
        "instructions per record, steady on a busy machine: crates/casting/benches/instructions.sh (valgrind)"
    );

    eleven_text_fields(rounds);
}

/// The load the figures were taken under, where the system says.
fn machine_load() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    match std::fs::read_to_string("/proc/loadavg") {
        Ok(text) => {
            let load = text.split_whitespace().next().unwrap_or("?");
            format!(
                "load average {load} on {cpus} CPUs (a busy machine slows every path; compare the ratios)"
            )
        }
        Err(_) => format!("{cpus} CPUs, load unknown"),
    }
}

/// The reference's 11 text fields: `resolve` + `cast_record_owned` against serde.
fn eleven_text_fields(rounds: usize) {
    #[allow(dead_code)]
    #[derive(Deserialize)]
    struct Person {
        name: String,
        email: String,
        phone: String,
        company: String,
        title: String,
        linkedin: String,
        website: String,
        location: String,
        industry: String,
        github_url: String,
        github_notes: String,
    }
    let schema = Schema::from_json(&json!({
        "name": "The individual's full name",
        "email": "The individual's email address",
        "phone": "The individual's phone number",
        "company": "The company the individual is associated with",
        "title": "The individual's job title",
        "linkedin": "LinkedIn URL for the person",
        "website": "Company website URL",
        "location": "The individual's location and/or company location",
        "industry": "Industry the person operates in",
        "github_url": "url for their github profile",
        "github_notes": "Take detailed notes on their github profile."
    }))
    .expect("valid schema");
    let lead_info = json!({"name": "Mara Quill", "company": "Lanternfish Labs"});
    let lead_info = lead_info.as_object().cloned().unwrap_or_default();
    let data = json!({
        "name": "Mara Quill", "email": "mara@lanternfish.example", "phone": "",
        "company": "Lanternfish Labs", "title": "CEO & Co-Founder",
        "linkedin": "https://linkedin.example/in/maraquill", "website": "https://lanternfish.example/",
        "location": "Portland, Oregon, USA", "industry": "Developer tooling",
        "github_url": "https://git.example/maraquill",
        "github_notes": "Maintains a tracing library and a small SQL parser; steady commits over four years, mostly Rust with some Go."
    });
    let record = data.as_object().cloned().unwrap_or_default();
    let serde = best(
        rounds,
        || vec![data.clone(); RECORDS],
        |values| {
            for value in values {
                black_box(serde_json::from_value::<Person>(value).expect("decodes"));
            }
        },
    );
    let casting = best(
        rounds,
        || vec![record.clone(); RECORDS],
        |records| {
            for record in records {
                let resolution = resolve(&schema, &lead_info);
                black_box(cast_record_owned(record, &resolution).expect("casts"));
            }
        },
    );
    println!("cast_record: the reference's 11 text fields, {RECORDS} records");
    println!(
        "  {:<58} {serde:>10.0} {:>7.2}x",
        "serde_json::from_value (baseline)", 1.0
    );
    println!(
        "  {:<58} {casting:>10.0} {:>7.2}x",
        "resolve + cast_record_owned",
        casting / serde
    );
}
