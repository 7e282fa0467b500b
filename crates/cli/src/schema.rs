//! `sixtyfour schema fields.json [--lead lead.json]`: each field's resolved type and where the
//! type came from, as the API and the casting rules decide it.

use serde_json::{Map, Value};
use sixtyfour::casting::resolve;
use sixtyfour::{Schema, TypeSource};

use crate::args::SchemaArgs;
use crate::exit::{CliError, Exit};
use crate::plan::load_fields;

/// Where a type came from, in words.
pub fn source_name(source: TypeSource) -> &'static str {
    match source {
        TypeSource::Explicit => "explicit (the field's \"type\")",
        TypeSource::Input => "input (the lead's value)",
        TypeSource::Inferred => "inferred (the example value)",
        TypeSource::Default => "default (str)",
    }
}

/// The table: field, type, source, description.
pub fn table(schema: &Schema, lead: &Map<String, Value>) -> String {
    let resolution = resolve(schema, lead);
    let mut rows: Vec<[String; 4]> = vec![[
        "field".into(),
        "type".into(),
        "from".into(),
        "description".into(),
    ]];
    for field in &resolution {
        let description = schema
            .get(field.name)
            .and_then(|spec| spec.description())
            .unwrap_or("")
            .to_owned();
        rows.push([
            field.name.to_owned(),
            field.field_type.to_string(),
            source_name(field.source).to_owned(),
            description,
        ]);
    }
    let widths: Vec<usize> = (0..3)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            format!(
                "{:w0$}  {:w1$}  {:w2$}  {}",
                r[0],
                r[1],
                r[2],
                r[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            )
            .trim_end()
            .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `sixtyfour schema`.
pub fn run(args: SchemaArgs) -> Result<Exit, CliError> {
    let schema = load_fields(&args.fields)?;
    let lead = match &args.lead {
        None => Map::new(),
        Some(path) => {
            let text = crate::plan::read_small(path, "the lead")?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(lead)) => lead,
                Ok(_) => {
                    return Err(CliError::Usage(format!(
                        "{}: a lead is a JSON object of facts",
                        path.display()
                    )));
                }
                Err(e) => {
                    return Err(CliError::Usage(format!(
                        "{}: line {}: not valid JSON: {e}",
                        path.display(),
                        e.line()
                    )));
                }
            }
        }
    };
    println!("{}", table(&schema, &lead));
    Ok(Exit::Completed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_field_with_its_type_and_source() {
        let schema = Schema::from_json(&json!({
            "age": "Age in years",
            "score": 95.5,
            "verified": {"description": "Verified", "type": "bool"},
            "email": "Work email",
        }))
        .unwrap();
        let lead = json!({"age": 30}).as_object().cloned().unwrap();
        let text = table(&schema, &lead);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("field"));
        assert!(
            lines[1].starts_with("age")
                && lines[1].contains("int")
                && lines[1].contains("input (the lead's value)")
                && lines[1].ends_with("Age in years"),
            "{text}"
        );
        assert!(
            lines[2].contains("float") && lines[2].contains("inferred"),
            "{text}"
        );
        assert!(
            lines[3].contains("bool") && lines[3].contains("explicit"),
            "{text}"
        );
        assert!(
            lines[4].contains("str") && lines[4].contains("default (str)"),
            "{text}"
        );
    }
}
