use ferrodyn::Model;
use serde::{Deserialize, Serialize};

mod text {
    pub fn serialize<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "id")]
struct User {
    #[serde(with = "text")]
    id: u64,
    #[ferrodyn(version)]
    #[serde(serialize_with = "text::serialize")]
    version: u64,
}

fn main() {}
