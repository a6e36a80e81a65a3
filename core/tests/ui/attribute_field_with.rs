use ferrodyn::Attribute;

mod as_text {
    pub fn serialize<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }
}

#[derive(Attribute, serde::Serialize)]
struct Counter {
    #[serde(serialize_with = "as_text::serialize")]
    count: u64,
}

fn main() {}
