//! Resolve + cast of a realistic 11-field record against `serde_json::from_value` into an
//! equivalent typed struct, on the same data in the same run.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde::Deserialize;
use serde_json::{Value, json};
use sixtyfour_casting::{Schema, cast_record_owned, resolve};

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

fn payload() -> (Value, Value, Value) {
    let schema = json!({
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
    });
    let lead_info = json!({
        "name": "Mara Quill",
        "company": "Lanternfish Labs",
        "linkedin": "https://linkedin.example/in/maraquill"
    });
    let data = json!({
        "name": "Mara Quill",
        "email": "mara@lanternfish.example",
        "phone": "",
        "company": "Lanternfish Labs",
        "title": "CEO & Co-Founder",
        "linkedin": "https://linkedin.example/in/maraquill",
        "website": "https://lanternfish.example/",
        "location": "Portland, Oregon, USA",
        "industry": "Developer tooling",
        "github_url": "https://git.example/maraquill",
        "github_notes": "Maintains a tracing library and a small SQL parser; steady commits over four years, mostly Rust with some Go."
    });
    (schema, lead_info, data)
}

fn bench(c: &mut Criterion) {
    let (schema_json, lead_info, data) = payload();
    let schema = Schema::from_json(&schema_json).expect("valid schema");
    let lead_info = lead_info.as_object().cloned().unwrap_or_default();
    let record = data.as_object().cloned().unwrap_or_default();

    let mut group = c.benchmark_group("eleven_string_fields");
    group.bench_function("serde_json::from_value (baseline)", |b| {
        b.iter_batched(
            || data.clone(),
            |value| serde_json::from_value::<Person>(value).expect("baseline decodes"),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("resolve + cast_record", |b| {
        b.iter_batched(
            || record.clone(),
            |record| {
                let resolution = resolve(&schema, &lead_info);
                cast_record_owned(record, &resolution).expect("record casts")
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
