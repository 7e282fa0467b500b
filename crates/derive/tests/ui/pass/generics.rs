//! A generic struct: the field type decides the payload type per instantiation.
extern crate sixtyfour_casting as sixtyfour;

use serde::Deserialize;
use serde_json::json;
use sixtyfour::Enrich;

#[derive(Debug, Deserialize, Enrich)]
struct Measured<T, L = String>
where
    L: Clone,
{
    /// The measured value
    value: T,
    /// Labels attached to it
    labels: Vec<L>,
}

fn main() {
    assert_eq!(
        Measured::<u32>::schema().to_json(),
        json!({
            "value": {"description": "The measured value", "type": "int"},
            "labels": {"description": "Labels attached to it", "type": "list[str]"},
        })
    );
    assert_eq!(
        Measured::<f64, bool>::schema().to_json(),
        json!({
            "value": {"description": "The measured value", "type": "float"},
            "labels": {"description": "Labels attached to it", "type": "list[bool]"},
        })
    );
    let data = json!({"value": "12", "labels": "yes"});
    let decoded: Measured<u8, bool> = sixtyfour::decode(data.as_object().unwrap(), &Default::default()).unwrap();
    assert_eq!((decoded.value, decoded.labels), (12, vec![true]));
}
