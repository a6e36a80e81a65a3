//! Stream events of any model: each image is the item `Model::to_item` writes (so sets are SS/NS
//! and nested structs maps, as ferrodyn stores them), written as DynamoDB JSON in Lambda's record
//! envelope. Deterministic: a fixed generator, and map attributes in name order.

use std::fmt::Write as _;

use ferrodyn::{AttributeValue, Item, Model};

/// A fixed linear congruential generator: the same event on every run and machine.
#[derive(Debug, Clone)]
pub struct Lcg(u64);

impl Default for Lcg {
    fn default() -> Self {
        Lcg(0x2545_f491_4f6c_dd1d)
    }
}

impl Lcg {
    /// A number below `bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }

    /// One of `choices`.
    pub fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        choices[self.below(choices.len() as u64) as usize]
    }

    /// A float with three decimals, below `bound`.
    pub fn float(&mut self, bound: u64) -> f64 {
        self.below(bound * 1000) as f64 / 1000.0
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("a string serialises"));
}

fn write_strings<'a>(out: &mut String, tag: &str, items: impl Iterator<Item = &'a String>) {
    let _ = write!(out, r#"{{"{tag}":["#);
    for (i, s) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, s);
    }
    out.push_str("]}");
}

/// One attribute value as DynamoDB JSON (`{"S":"…"}`, …); map entries in name order.
fn write_value(out: &mut String, value: &AttributeValue) {
    match value {
        AttributeValue::S(s) => {
            out.push_str(r#"{"S":"#);
            write_string(out, s);
            out.push('}');
        }
        AttributeValue::N(n) => {
            out.push_str(r#"{"N":"#);
            write_string(out, n);
            out.push('}');
        }
        AttributeValue::Bool(b) => {
            let _ = write!(out, r#"{{"BOOL":{b}}}"#);
        }
        AttributeValue::Null(_) => out.push_str(r#"{"NULL":true}"#),
        AttributeValue::Ss(s) => write_strings(out, "SS", s.iter()),
        AttributeValue::Ns(n) => write_strings(out, "NS", n.iter()),
        AttributeValue::L(l) => {
            out.push_str(r#"{"L":["#);
            for (i, v) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, v);
            }
            out.push_str("]}");
        }
        AttributeValue::M(m) => {
            out.push_str(r#"{"M":"#);
            write_item(out, m);
            out.push('}');
        }
        other => panic!("the shapes use no {other:?}"),
    }
}

/// An item as DynamoDB JSON, attributes in name order.
pub fn write_item(out: &mut String, item: &Item) {
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    out.push('{');
    for (i, name) in names.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, name);
        out.push(':');
        write_value(out, &item[name]);
    }
    out.push('}');
}

/// A stream event of `records` records of `M` (INSERT, MODIFY with both images, REMOVE, 7:1:2),
/// `make(i, rng)` giving record `i`'s item (a MODIFY's old image is another call).
pub fn event_of<M: Model>(records: usize, mut make: impl FnMut(u64, &mut Lcg) -> M) -> String {
    let mut rng = Lcg::default();
    let mut image = |i: u64, rng: &mut Lcg| {
        let item = make(i, rng).to_item().expect("the model converts");
        let keys: Item = ["pk", "sk"]
            .into_iter()
            .filter_map(|k| item.get(k).map(|v| (k.to_owned(), v.clone())))
            .collect();
        let mut text = String::new();
        write_item(&mut text, &item);
        let mut keys_text = String::new();
        write_item(&mut keys_text, &keys);
        (text, keys_text)
    };
    let mut out = String::from(r#"{"Records":["#);
    for i in 0..records {
        let i = i as u64;
        let (name, new, old) = match rng.below(10) {
            0..=6 => ("INSERT", Some(image(i, &mut rng)), None),
            7 => ("MODIFY", Some(image(i, &mut rng)), Some(image(i, &mut rng))),
            _ => ("REMOVE", None, Some(image(i, &mut rng))),
        };
        let keys = new.as_ref().or(old.as_ref()).map(|(_, k)| k.clone()).unwrap_or_default();
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"awsRegion":"eu-west-1","dynamodb":{{"ApproximateCreationDateTime":1795256160.{:03},"Keys":{keys},"#,
            rng.below(1000)
        );
        if let Some((new, _)) = new {
            let _ = write!(out, r#""NewImage":{new},"#);
        }
        if let Some((old, _)) = old {
            let _ = write!(out, r#""OldImage":{old},"#);
        }
        let _ = write!(
            out,
            r#""SequenceNumber":"{:021}","SizeBytes":{},"StreamViewType":"NEW_AND_OLD_IMAGES"}},"eventID":"{:032x}","eventName":"{name}","eventSource":"aws:dynamodb","eventSourceARN":"arn:aws:dynamodb:eu-west-1:123456789012:table/shapes/stream/2026-11-21T00:00:00.000","eventVersion":"1.1"}}"#,
            1_000_000 + i,
            200 + rng.below(400),
            rng.below(u64::MAX)
        );
    }
    out.push_str("]}");
    out
}
