//! Tool schemas in standard JSON Schema only. schemars marks Rust's number types with
//! formats such as `uint64` and `uint16`, which strict validators (the TypeScript SDK's
//! Ajv) report as unknown; the range such a format stands for is kept as `minimum` and
//! `maximum`, which every validator knows.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde_json::Value;
use std::sync::Arc;

/// The bounds a number format stands for, or `None` for a format to keep.
fn bounds(format: &str) -> Option<(Option<i64>, Option<u64>)> {
    Some(match format {
        "uint8" => (Some(0), Some(u8::MAX.into())),
        "uint16" => (Some(0), Some(u16::MAX.into())),
        "uint32" => (Some(0), Some(u32::MAX.into())),
        "uint64" | "uint" => (Some(0), None),
        "int8" | "int16" | "int32" | "int64" | "int" | "float" | "double" => (None, None),
        _ => return None,
    })
}

/// Rewrites `schema` and everything in it to standard keywords.
pub fn standardize(schema: &mut JsonObject) {
    let format = schema
        .get("format")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some((min, max)) = format.as_deref().and_then(bounds) {
        schema.remove("format");
        if let Some(min) = min {
            schema.entry("minimum").or_insert(min.into());
        }
        if let Some(max) = max {
            schema.entry("maximum").or_insert(max.into());
        }
    }
    for value in schema.values_mut() {
        standardize_value(value);
    }
}

fn standardize_value(value: &mut Value) {
    match value {
        Value::Object(o) => standardize(o),
        Value::Array(items) => items.iter_mut().for_each(standardize_value),
        _ => {}
    }
}

/// Standardizes every input and output schema of a router's tools.
pub fn standardize_router<S>(router: &mut ToolRouter<S>) {
    for route in router.map.values_mut() {
        standardize(Arc::make_mut(&mut route.attr.input_schema));
        if let Some(out) = route.attr.output_schema.as_mut() {
            standardize(Arc::make_mut(out));
        }
    }
}

/// The output schema of a result type (an object), for `#[tool(output_schema = …)]`.
pub fn output<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    rmcp::handler::server::common::schema_for_output::<T>()
        .unwrap_or_else(|e| panic!("the output schema of a tool must be an object: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn number_formats_become_ranges() {
        let mut s = json!({
            "type": "object",
            "properties": {
                "port": {"type": ["integer", "null"], "format": "uint16", "minimum": 0, "maximum": 65535},
                "since": {"type": "integer", "format": "uint64", "minimum": 0},
                "n": {"type": "integer", "format": "int32"},
                "when": {"type": "string", "format": "date-time"},
                "list": {"type": "array", "items": {"type": "integer", "format": "uint8"}}
            }
        });
        standardize(s.as_object_mut().unwrap());
        let text = s.to_string();
        assert!(!text.contains("uint") && !text.contains("int32"), "{text}");
        assert_eq!(s["properties"]["port"]["maximum"], 65535);
        assert_eq!(s["properties"]["since"]["minimum"], 0);
        assert_eq!(s["properties"]["list"]["items"]["maximum"], 255);
        assert_eq!(s["properties"]["when"]["format"], "date-time");
    }
}
