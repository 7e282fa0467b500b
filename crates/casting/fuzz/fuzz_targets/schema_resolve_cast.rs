//! Feeds arbitrary bytes through `Schema::from_json`, `resolve`, `cast_record` and `cast`,
//! checking that nothing panics and that every `Ok` value has its wanted type.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sixtyfour_casting::{FieldType, Schema, cast, cast_record, is_of_type, resolve};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    // Three JSON documents separated by NUL bytes: struct, lead_info, structured_data.
    let mut parts = rest.split(|b| *b == 0);
    let parse = |bytes: Option<&[u8]>| bytes.and_then(|b| serde_json::from_slice::<Value>(b).ok());
    let payload = parse(parts.next());
    let lead_info = parse(parts.next());
    let answer = parse(parts.next());

    let ty = FieldType::ALL[usize::from(selector) % FieldType::ALL.len()];
    for value in [&payload, &lead_info, &answer].into_iter().flatten() {
        if let Ok(out) = cast(value, ty) {
            assert!(is_of_type(&out, ty));
            assert_eq!(cast(&out, ty).ok().as_ref(), Some(&out));
        }
    }

    let Some(Ok(schema)) = payload.as_ref().map(Schema::from_json) else {
        return;
    };
    assert_eq!(Schema::from_json(&schema.to_json()).as_ref(), Ok(&schema));
    let lead_info = lead_info.and_then(|v| v.as_object().cloned()).unwrap_or_default();
    let resolution = resolve(&schema, &lead_info);
    if let Some(Value::Object(answer)) = answer {
        if let Ok(out) = cast_record(&answer, &resolution) {
            for field in &resolution {
                let value = out.get(field.name).unwrap_or(&Value::Null);
                assert!(is_of_type(value, field.field_type));
            }
        }
    }
});
