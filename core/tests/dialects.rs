//! Every row of tests/dialects/cases.json (the regex cases, with what V8 and Python's
//! `re` give for each) through `Pattern::from_js` / `Pattern::from_python`.

use procwright::{ErrorCode, Pattern};
use serde_json::Value;

fn python_flags(names: &Value) -> u32 {
    names
        .as_array()
        .unwrap()
        .iter()
        .map(|n| match n.as_str().unwrap() {
            "TEMPLATE" => 1,
            "IGNORECASE" => 2,
            "LOCALE" => 4,
            "MULTILINE" => 8,
            "DOTALL" => 16,
            "UNICODE" => 32,
            "VERBOSE" => 64,
            "DEBUG" => 128,
            "ASCII" => 256,
            other => panic!("unknown flag {other}"),
        })
        .sum()
}

/// What procwright gives for a row, in the table's terms.
fn run(row: &Value) -> Value {
    let source = row["pattern"].as_str().unwrap();
    let pattern = match row["dialect"].as_str().unwrap() {
        "js" => Pattern::from_js(source, row["flags"].as_str().unwrap()),
        _ => Pattern::from_python(source, python_flags(&row["flags"])),
    };
    let pattern = match pattern {
        Ok(p) => p,
        Err(e) => {
            assert_eq!(e.code, ErrorCode::InvalidPattern, "{row}");
            return Value::from("INVALID_PATTERN");
        }
    };
    match pattern.find(row["input"].as_str().unwrap()).unwrap() {
        None => Value::Null,
        Some(m) => Value::from(
            m.groups
                .into_iter()
                .map(|g| g.map_or(Value::Null, Value::from))
                .collect::<Vec<_>>(),
        ),
    }
}

#[test]
fn every_case_reads_as_v8_and_re_read_it() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/dialects/cases.json"),
    )
    .unwrap();
    let rows: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(rows.len() >= 150, "{} rows", rows.len());
    let mut wrong = Vec::new();
    for row in &rows {
        let expect = if row.get("refused").is_some() {
            Value::from("INVALID_PATTERN")
        } else if let Some(d) = row.get("differs") {
            d["procwright"].clone()
        } else {
            row["expect"].clone()
        };
        let got = run(row);
        if got != expect {
            wrong.push(format!(
                "{} /{}/ {} on {:?}: expected {expect}, got {got}",
                row["dialect"],
                row["pattern"].as_str().unwrap(),
                row["flags"],
                row["input"].as_str().unwrap()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} rows differ:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}
