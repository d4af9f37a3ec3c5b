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

/// Hostile input: random sources of regex syntax never panic either dialect; each is
/// a pattern or an `INVALID_PATTERN`.
#[test]
fn random_sources_never_panic() {
    const ALPHABET: &[&str] = &[
        "\\", "[", "]", "(", ")", "{", "}", "?", "*", "+", "|", "^", "$", ".", "-", "&", "~", ",",
        "<", ">", "=", "!", ":", "P", "k", "N", "u", "x", "c", "d", "b", "p", "0", "1", "7", "9",
        "a", "é", "😀", "\u{2028}", " ", "#", "\n",
    ];
    const JS_FLAGS: &[&str] = &["", "u", "v", "i", "y", "ims", "uy"];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..10_000 {
        let len = (next() % 12) as usize;
        let source: String = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect();
        let flags = JS_FLAGS[(next() % JS_FLAGS.len() as u64) as usize];
        for pattern in [
            Pattern::from_js(&source, flags),
            Pattern::from_python(&source, [0, 2, 64, 256, 34][(next() % 5) as usize]),
        ] {
            match pattern {
                Ok(p) => {
                    let _ = p.find("aé😀 [x] -1-");
                }
                Err(e) => assert_eq!(e.code, ErrorCode::InvalidPattern, "{source:?}: {e}"),
            }
        }
    }
}
