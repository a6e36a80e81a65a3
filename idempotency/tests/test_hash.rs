//! The key's hash, byte for byte as Powertools (Python) computes it. The fixture was written by
//! Python itself: for each input, `json.dumps(json.loads(input), sort_keys=True)` and the md5 of
//! that (see tests/fixtures/README.md).

use ferrodyn_idempotency::{canonical_json, hash};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Case {
    input: String,
    canonical: String,
    md5: String,
}

#[test]
fn canonical_json_and_md5_match_python_for_every_fixture() {
    let cases: Vec<Case> =
        serde_json::from_str(include_str!("fixtures/python_hashes.json")).unwrap();
    assert!(cases.len() >= 40);
    let mut wrong = Vec::new();
    for case in &cases {
        let value: Value = serde_json::from_str(&case.input).unwrap();
        let ours = canonical_json(&value);
        if ours != case.canonical || hash(&value) != case.md5 {
            wrong.push(format!("{}: ours {ours}, Python's {}", case.input, case.canonical));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn integers_beyond_64_bits_are_floats_to_serde_json_and_hash_differently() {
    // Python keeps 18446744073709551616 an int; serde_json (without arbitrary_precision) reads
    // it as the nearest f64, which Python would print as below. A documented difference.
    let value: Value = serde_json::from_str("18446744073709551616").unwrap();
    assert_eq!(canonical_json(&value), "1.8446744073709552e+19");
}
