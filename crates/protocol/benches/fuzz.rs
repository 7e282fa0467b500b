//! Fuzzing on the stable toolchain: feeds generated inputs to everything that reads data from
//! outside (casting, schema reading and resolution, response and webhook decoding, error-body
//! messages, webhook signature checks), catches panics, and prints what it ran.
//!
//! `cargo bench -p sixtyfour-protocol --bench fuzz` runs 10,000,000 inputs from seed 1;
//! `-- --inputs N --seed S` changes either. Inputs come from structured generators (JSON
//! values with the awkward cases: unicode digits and spaces, thousands groups, exponents, JSON
//! inside strings, huge numbers) and from byte mutation of seeds (the reference's examples).
//! Each input goes through one target; a panic is caught, counted and shown with its input.
//! Laws are checked too (an `Ok` cast has its type and is stable; decoded values survive a
//! round trip), so a broken law counts like a panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use serde_json::{Map, Number, Value, json};
use sixtyfour_casting::{FieldType, Schema, cast, cast_record, is_of_type, resolve};
use sixtyfour_protocol::{
    EnrichBody, EnrichResult, ErrorBody, JobStatusBody, Submitted, WebhookEvent, error_message,
    signature,
};

/// A small, fast, seeded generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const AWKWARD: &[&str] = &[
    "",
    " ",
    "1,200",
    "1,2000",
    "-0",
    "+7",
    "1e308",
    "1e309",
    "1e-400",
    "9007199254740993",
    "18446744073709551616",
    "-9223372036854775809",
    "0x1A",
    "1_000",
    "٣",
    "１２",
    "\u{a0}42\u{a0}",
    "\u{3000}3\u{3000}",
    "\u{feff}5",
    "true",
    "False",
    "yes",
    "on",
    "nan",
    "inf",
    "-inf",
    "NaN",
    "null",
    "[1,2,3]",
    "[\"a\", null]",
    "{\"a\": 1}",
    "{\"a\": {\"b\": [1, \"2\"]}}",
    "[[]]",
    "{",
    "]",
    "30 years",
    "3Com",
    "12.0",
    "12.5",
    "1.0e2",
    ".5",
    "5.",
    "1,234,567.89",
    "€",
    "\u{0}",
    "\\u0000",
    "\u{1F600}",
    "t",
    "n",
    "0",
    "1",
    "２",
    "1e2",
    "\"quoted\"",
];

const TYPE_NAMES: &[&str] = &[
    "str",
    "string",
    "int",
    "integer",
    "float",
    "bool",
    "boolean",
    "list",
    "list[str]",
    "list[string]",
    "list[int]",
    "list[integer]",
    "list[float]",
    "list[bool]",
    "list[boolean]",
    "dict",
    " INT ",
    "List[Str]",
    "int8",
    "",
    "list[dict]",
    "object",
];

const KEYS: &[&str] = &[
    "name",
    "email",
    "age",
    "title",
    "status",
    "task_id",
    "result",
    "structured_data",
    "notes",
    "references",
    "confidence_score",
    "field_confidence",
    "processed_items",
    "total_items",
    "task_type",
    "error",
    "message",
    "detail",
    "loc",
    "msg",
    "type",
    "description",
    "findings",
    "lead_info",
    "struct",
    "tier",
    "max_iterations",
    "webhook_url",
    "research_plan",
    "url",
];

fn number(rng: &mut Rng) -> Value {
    match rng.below(7) {
        0 => json!(rng.next() as i64),
        1 => json!(rng.next()),
        2 => json!(rng.below(100)),
        3 => Number::from_f64(f64::from_bits(rng.next())).map_or(Value::Null, Value::Number),
        4 => json!(rng.below(2000) as f64 / 8.0 - 100.0),
        5 => json!(9_007_199_254_740_993_u64),
        _ => json!(-(rng.below(1000) as i64)),
    }
}

fn string(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => (*rng.pick(AWKWARD)).to_owned(),
        1 => format!("{}{}", rng.pick(AWKWARD), rng.pick(AWKWARD)),
        2 => (0..rng.below(12))
            .map(|_| char::from_u32(rng.below(0x3100) as u32).unwrap_or('?'))
            .collect(),
        _ => (*rng.pick(KEYS)).to_owned(),
    }
}

fn value(rng: &mut Rng, depth: usize) -> Value {
    let leaf = depth >= 3 || rng.chance(2);
    match (leaf, rng.below(6)) {
        (true, 0) => Value::Null,
        (true, 1) => Value::Bool(rng.chance(2)),
        (true, 2 | 3) => number(rng),
        (true, _) => Value::String(string(rng)),
        (false, 0..=2) => Value::Array((0..rng.below(5)).map(|_| value(rng, depth + 1)).collect()),
        (false, _) => Value::Object(object(rng, depth + 1)),
    }
}

fn object(rng: &mut Rng, depth: usize) -> Map<String, Value> {
    (0..rng.below(6))
        .map(|_| {
            let key = if rng.chance(3) {
                string(rng)
            } else {
                (*rng.pick(KEYS)).to_owned()
            };
            (key, value(rng, depth))
        })
        .collect()
}

/// A `struct` payload: descriptions, typed specs (some with bad names), examples.
fn schema_payload(rng: &mut Rng) -> Value {
    let mut fields = Map::new();
    for _ in 0..rng.below(6) {
        let spec = match rng.below(5) {
            0 => Value::String(string(rng)),
            1 => json!({"type": rng.pick(TYPE_NAMES), "description": string(rng)}),
            2 => json!({"type": rng.pick(TYPE_NAMES)}),
            3 => value(rng, 1),
            _ => json!({"description": value(rng, 2)}),
        };
        fields.insert((*rng.pick(KEYS)).to_owned(), spec);
    }
    Value::Object(fields)
}

/// A status, result, submit or webhook body, often close to a real one.
fn answer(rng: &mut Rng) -> Value {
    let result = json!({
        "notes": value(rng, 2),
        "structured_data": if rng.chance(4) { Value::String(value(rng, 1).to_string()) } else { Value::Object(object(rng, 1)) },
        "findings": value(rng, 2),
        "references": value(rng, 2),
        "confidence_score": value(rng, 3),
        "field_confidence": value(rng, 2),
    });
    let status = json!(rng.pick(&[
        "pending",
        "processing",
        "completed",
        "failed",
        "QUEUED",
        "x"
    ]));
    let task_id = if rng.chance(5) {
        value(rng, 3)
    } else {
        json!(string(rng))
    };
    let mut body = match rng.below(3) {
        0 => json!({"status": status, "result": result, "task_type": "enrich_lead"}),
        1 => {
            json!({"task_id": task_id, "status": status, "result": result, "error": value(rng, 2)})
        }
        _ => {
            json!({"status": status, "processed_items": value(rng, 3), "total_items": value(rng, 3)})
        }
    };
    if rng.chance(3)
        && let Value::Object(map) = &mut body
    {
        map.extend(object(rng, 2));
    }
    body
}

fn seeds() -> Vec<Vec<u8>> {
    [
        r#"{"task_id": "bdd69815-a1c0-480d-bfa5-d5fbb9745893", "status": "pending"}"#,
        r#"{"status": "pending", "processed_items": 0, "total_items": 0, "task_type": "enrich_lead"}"#,
        r#"{"status": "completed", "result": {"notes": "Saarth Shah is the Co-Founder", "structured_data": {"name": "Saarth Shah", "email": "saarth@sixtyfour.ai", "phone": ""}, "findings": [], "references": {"https://www.sixtyfour.ai/": "Sixtyfour AI"}, "confidence_score": 9.5}, "task_type": "enrich_lead"}"#,
        r#"{"error": "Bad Request", "message": "Invalid lead information"}"#,
        r#"{"detail": "Job not found"}"#,
        r#"{"detail": [{"loc": ["body", "lead_info"], "msg": "field required", "type": "value_error.missing"}]}"#,
        r#"{"task_id": "t-1", "status": "failed", "task_type": "enrich_lead", "error": "no sources"}"#,
        r#"{"lead_info": {"age": 30, "is_active": true}, "struct": {"age": {"type": "str"}, "location": "Current location"}}"#,
        r#"{"struct": {"score": 95.5, "active": false, "count": 42, "tags": ["a", "b"]}}"#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = rng.pick(seeds).clone();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if at < bytes.len() => bytes[at] = rng.next() as u8,
            1 => bytes.insert(at, *rng.pick(b"{}[]\",:0123456789.-e \\nulltrue")),
            2 if at < bytes.len() => {
                bytes.remove(at);
            }
            3 => {
                let other = rng.pick(seeds);
                let from = rng.below(other.len());
                let to = (from + rng.below(40)).min(other.len());
                bytes.splice(at..at, other[from..to].iter().copied());
            }
            4 => bytes
                .splice(at..at, rng.pick(AWKWARD).bytes())
                .for_each(drop),
            _ => bytes.truncate(at),
        }
    }
    bytes
}

/// One input for one target.
enum Input {
    Cast(Value, FieldType),
    Schema(Value, Map<String, Value>, Map<String, Value>),
    Decode(Vec<u8>),
    ErrorBody(Vec<u8>),
    Signature(Vec<u8>, String, Vec<u8>, u64),
}

const TARGETS: [&str; 5] = [
    "cast",
    "schema+resolve+record",
    "decode",
    "error body",
    "signature",
];

fn generate(rng: &mut Rng, seeds: &[Vec<u8>], n: u64) -> (usize, Input) {
    let target = (n % TARGETS.len() as u64) as usize;
    let input = match target {
        0 => Input::Cast(value(rng, 0), *rng.pick(&FieldType::ALL)),
        1 => {
            let payload = if rng.chance(4) {
                serde_json::from_slice(&mutate(rng, seeds)).unwrap_or(Value::Null)
            } else {
                schema_payload(rng)
            };
            Input::Schema(payload, object(rng, 1), object(rng, 1))
        }
        2 => Input::Decode(if rng.chance(2) {
            mutate(rng, seeds)
        } else {
            serde_json::to_vec(&answer(rng)).unwrap_or_default()
        }),
        3 => Input::ErrorBody(if rng.chance(2) {
            mutate(rng, seeds)
        } else {
            (0..rng.below(64)).map(|_| rng.next() as u8).collect()
        }),
        _ => {
            let body = mutate(rng, seeds);
            let timestamp = 1_700_000_000 + rng.below(1000) as u64;
            let header = match rng.below(4) {
                0 => signature::signature_header(b"whsec", timestamp, &body),
                1 => format!(
                    "t={},v1={}",
                    string(rng),
                    signature::sign(b"other", timestamp, &body)
                ),
                2 => String::from_utf8_lossy(&mutate(rng, seeds)).into_owned(),
                _ => format!(
                    "t={timestamp},v1={}{}",
                    string(rng),
                    ",v1=".repeat(rng.below(4))
                ),
            };
            Input::Signature(
                body,
                header,
                b"whsec".to_vec(),
                timestamp + rng.below(700) as u64,
            )
        }
    };
    (target, input)
}

/// Runs one input; laws that fail panic like a crash would. True when the input was
/// accepted (a cast or a decode that succeeded), to show how deep the inputs reach.
fn run(input: &Input) -> bool {
    match input {
        Input::Cast(value, ty) => {
            if let Ok(out) = cast(value, *ty) {
                assert!(is_of_type(&out, *ty), "cast to {ty} gave {out}");
                assert_eq!(
                    cast(&out, *ty).ok().as_ref(),
                    Some(&out),
                    "cast is not stable"
                );
                return true;
            }
            false
        }
        Input::Schema(payload, lead, answer) => {
            if let Ok(schema) = Schema::from_json(payload) {
                assert_eq!(Schema::from_json(&schema.to_json()).as_ref(), Ok(&schema));
                let resolution = resolve(&schema, lead);
                if let Ok(out) = cast_record(answer, &resolution) {
                    for field in &resolution {
                        let v = out.get(field.name).unwrap_or(&Value::Null);
                        assert!(is_of_type(v, field.field_type));
                    }
                }
                let _ = serde_json::from_value::<EnrichBody>(
                    json!({"lead_info": lead, "struct": payload}),
                )
                .map(|body| body.check());
                return true;
            }
            false
        }
        Input::Decode(bytes) => {
            let mut accepted = false;
            if let Ok(body) = serde_json::from_slice::<JobStatusBody>(bytes) {
                accepted = true;
                let again: JobStatusBody =
                    serde_json::from_value(serde_json::to_value(&body).unwrap()).unwrap();
                assert_eq!(again, body, "job status round trip");
            }
            if let Ok(result) = serde_json::from_slice::<EnrichResult>(bytes) {
                accepted = true;
                let again: EnrichResult =
                    serde_json::from_value(serde_json::to_value(&result).unwrap()).unwrap();
                assert_eq!(again, result, "result round trip");
            }
            if let Ok(submitted) = serde_json::from_slice::<Submitted>(bytes) {
                accepted = true;
                let _ = submitted.task_id.path_segment();
            }
            if let Ok(event) = serde_json::from_slice::<WebhookEvent>(bytes) {
                accepted = true;
                let again: WebhookEvent =
                    serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
                assert_eq!(again, event, "webhook event round trip");
            }
            let _ = serde_json::from_slice::<EnrichBody>(bytes).map(|body| body.check());
            accepted
        }
        Input::ErrorBody(bytes) => {
            let message = error_message(bytes);
            let shaped = ErrorBody::parse(bytes).is_some();
            assert!(message.chars().count() <= 1 + sixtyfour_protocol::MAX_MESSAGE_CHARS || shaped);
            shaped
        }
        Input::Signature(body, header, secret, now) => {
            signature::verify(secret, header, body, *now).is_ok()
        }
    }
}

fn describe(input: &Input) -> String {
    let text = match input {
        Input::Cast(value, ty) => format!("cast({value}, {ty})"),
        Input::Schema(payload, lead, answer) => {
            format!("schema {payload}; lead {lead:?}; answer {answer:?}")
        }
        Input::Decode(bytes) | Input::ErrorBody(bytes) => {
            format!("{:?}", String::from_utf8_lossy(bytes))
        }
        Input::Signature(body, header, _, now) => {
            format!(
                "header {header:?} at {now} over {:?}",
                String::from_utf8_lossy(body)
            )
        }
    };
    text.chars().take(400).collect()
}

fn main() {
    let mut inputs: u64 = 10_000_000;
    let mut seed: u64 = 1;
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        match pair[0].as_str() {
            "--inputs" => inputs = pair[1].parse().unwrap_or(inputs),
            "--seed" => seed = pair[1].parse().unwrap_or(seed),
            _ => {}
        }
    }
    std::panic::set_hook(Box::new(|_| {}));
    let seeds = seeds();
    let mut rng = Rng(seed);
    let mut per_target = [0u64; TARGETS.len()];
    let mut panics = [0u64; TARGETS.len()];
    let mut accepted = [0u64; TARGETS.len()];
    let mut shown = 0;
    let started = Instant::now();
    for n in 0..inputs {
        let (target, input) = generate(&mut rng, &seeds, n);
        per_target[target] += 1;
        match catch_unwind(AssertUnwindSafe(|| run(&input))) {
            Ok(true) => accepted[target] += 1,
            Ok(false) => {}
            Err(payload) => {
                panics[target] += 1;
                if shown < 10 {
                    shown += 1;
                    let message = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    println!(
                        "PANIC in {} (input {n}): {message}\n  input: {}",
                        TARGETS[target],
                        describe(&input)
                    );
                }
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let total: u64 = panics.iter().sum();
    println!(
        "fuzz: {inputs} inputs from seed {seed} in {elapsed:.1} s ({:.0} inputs/s), {total} panics",
        inputs as f64 / elapsed
    );
    for (i, name) in TARGETS.iter().enumerate() {
        println!(
            "  {name:<22} {:>10} inputs {:>10} accepted {:>6} panics",
            per_target[i], accepted[i], panics[i]
        );
    }
    if total > 0 {
        std::process::exit(1);
    }
}
