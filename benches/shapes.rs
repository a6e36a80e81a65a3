//! The stream benchmark's record shapes besides [`StreamOrder`](crate::StreamOrder), each a model
//! of its own and a 10,000-record event of it ([`event_of`]): the shape of an independent probe
//! (string sets, a map of strings, a float, four small maps in a list), set-heavy, nested lists
//! of maps, number-heavy and string-heavy items.

mod event;

use std::collections::{BTreeSet, HashMap, HashSet};

use ferrodyn::{Attribute, Model};
use serde::{Deserialize, Serialize};

pub use event::{event_of, write_item, Lcg};

/// A variant of a [`Listing`]: a small map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Attribute)]
pub struct Variant {
    /// Stock keeping unit.
    pub sku: String,
    /// Size label.
    pub size: String,
    /// Units in stock.
    pub stock: u32,
}

/// The probe's shape: string sets, a map of strings, a float, a list of four small maps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shapes", entity = "Listing", pk = "LISTING#{id}", sk = "SELLER#{seller}")]
pub struct Listing {
    /// Listing id.
    pub id: String,
    /// Seller id.
    pub seller: String,
    /// Title.
    pub title: String,
    /// Search tags (SS).
    pub tags: BTreeSet<String>,
    /// Regions it ships to (SS).
    pub regions: HashSet<String>,
    /// Free-form attributes (M of S).
    pub attributes: HashMap<String, String>,
    /// Average rating.
    pub rating: f64,
    /// Four variants (L of M).
    pub variants: Vec<Variant>,
}

/// A listing for record `i`.
pub fn listing(i: u64, rng: &mut Lcg) -> Listing {
    const TAGS: &[&str] =
        &["outdoor", "summer", "cotton", "sale", "new", "eco", "kids", "unisex", "premium", "gift"];
    const REGIONS: &[&str] = &["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1"];
    let tags = (0..4 + rng.below(4)).map(|_| rng.pick(TAGS).to_owned()).collect();
    let regions = (0..2 + rng.below(3)).map(|_| rng.pick(REGIONS).to_owned()).collect();
    let attributes = [
        ("colour", rng.pick(&["red", "navy", "forest green", "charcoal"])),
        ("material", rng.pick(&["cotton", "wool", "recycled polyester"])),
        ("care", rng.pick(&["machine wash 30°C", "hand wash", "dry clean only"])),
        ("origin", rng.pick(&["Portugal", "Vietnam", "Peru"])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let variants = ["S", "M", "L", "XL"]
        .into_iter()
        .map(|size| Variant {
            sku: format!("SKU-{:06}-{size}", rng.below(1_000_000)),
            size: size.to_owned(),
            stock: rng.below(500) as u32,
        })
        .collect();
    Listing {
        id: format!("l{i:07}"),
        seller: format!("s{:04}", rng.below(5000)),
        title: format!("Organic {} t-shirt, relaxed fit", rng.pick(&["cotton", "linen", "hemp"])),
        tags,
        regions,
        attributes,
        rating: rng.float(5),
        variants,
    }
}

/// Set-heavy: string and number sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shapes", entity = "Audience", pk = "AUDIENCE#{id}", sk = "SETS")]
pub struct Audience {
    /// Audience id.
    pub id: String,
    /// Member ids (SS).
    pub members: BTreeSet<String>,
    /// Interest labels (SS).
    pub interests: HashSet<String>,
    /// Postcode prefixes (SS).
    pub postcodes: BTreeSet<String>,
    /// Segment numbers (NS).
    pub segments: BTreeSet<u32>,
    /// Campaign ids (NS).
    pub campaigns: HashSet<u64>,
    /// Score buckets (NS).
    pub buckets: BTreeSet<i64>,
}

/// An audience for record `i`.
pub fn audience(i: u64, rng: &mut Lcg) -> Audience {
    const INTERESTS: &[&str] =
        &["cycling", "jazz", "cooking", "travel", "chess", "gardening", "film", "running"];
    Audience {
        id: format!("a{i:07}"),
        members: (0..8 + rng.below(8)).map(|_| format!("USER#{:08}", rng.below(1 << 30))).collect(),
        interests: (0..3 + rng.below(4)).map(|_| rng.pick(INTERESTS).to_owned()).collect(),
        postcodes: (0..4).map(|_| format!("SW{}", rng.below(20))).collect(),
        segments: (0..6 + rng.below(6)).map(|_| rng.below(10_000) as u32).collect(),
        campaigns: (0..4 + rng.below(4)).map(|_| 1_000_000_000 + rng.below(1 << 40)).collect(),
        buckets: (0..5).map(|_| rng.below(2000) as i64 - 1000).collect(),
    }
}

/// A block of a [`Section`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Attribute)]
pub struct Block {
    /// `text`, `image`, `quote`.
    pub kind: String,
    /// Its position weight.
    pub weight: u32,
    /// Whether it is shown.
    pub visible: bool,
}

/// A section of a [`Page`]: a map holding a list of maps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Attribute)]
pub struct Section {
    /// Section title.
    pub title: String,
    /// Its blocks.
    pub blocks: Vec<Block>,
}

/// Nested lists of maps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shapes", entity = "Page", pk = "PAGE#{id}", sk = "V#{version}")]
pub struct Page {
    /// Page id.
    pub id: String,
    /// Version.
    pub version: u32,
    /// Sections, each a list of blocks.
    pub sections: Vec<Section>,
}

/// A page for record `i`.
pub fn page(i: u64, rng: &mut Lcg) -> Page {
    let sections = (0..2 + rng.below(3))
        .map(|s| Section {
            title: format!("Section {s}"),
            blocks: (0..2 + rng.below(3))
                .map(|_| Block {
                    kind: rng.pick(&["text", "image", "quote"]).to_owned(),
                    weight: rng.below(100) as u32,
                    visible: rng.below(4) != 0,
                })
                .collect(),
        })
        .collect();
    Page { id: format!("p{i:07}"), version: 1 + rng.below(50) as u32, sections }
}

/// Number-heavy: integers and floats of every width, and a list of numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shapes", entity = "Reading", pk = "SENSOR#{sensor}", sk = "AT#{at}")]
pub struct Reading {
    /// Sensor id.
    pub sensor: u32,
    /// Epoch milliseconds.
    pub at: u64,
    /// Temperature.
    pub celsius: f64,
    /// Relative humidity.
    pub humidity: f32,
    /// Pressure, pascals.
    pub pascals: u32,
    /// Battery percentage.
    pub battery: u8,
    /// Signal strength.
    pub rssi: i16,
    /// Uptime seconds.
    pub uptime: u64,
    /// Error count.
    pub errors: u16,
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// Altitude, metres.
    pub altitude: i32,
    /// Raw samples (L of N).
    pub samples: Vec<i64>,
}

/// A reading for record `i`.
pub fn reading(i: u64, rng: &mut Lcg) -> Reading {
    Reading {
        sensor: rng.below(10_000) as u32,
        at: 1_795_256_160_000 + i * 250,
        celsius: rng.float(40) - 10.0,
        humidity: rng.below(1000) as f32 / 10.0,
        pascals: 95_000 + rng.below(10_000) as u32,
        battery: rng.below(101) as u8,
        rssi: -(rng.below(100) as i16),
        uptime: rng.below(10_000_000),
        errors: rng.below(10) as u16,
        latitude: rng.float(180) - 90.0,
        longitude: rng.float(360) - 180.0,
        altitude: rng.below(3000) as i32 - 100,
        samples: (0..12).map(|_| rng.below(1 << 20) as i64 - (1 << 19)).collect(),
    }
}

/// String-heavy: many strings of varied length, some with characters JSON escapes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shapes", entity = "Contact", pk = "CONTACT#{id}", sk = "PROFILE")]
pub struct Contact {
    /// Contact id.
    pub id: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Email address.
    pub email: String,
    /// Phone number.
    pub phone: String,
    /// Street line.
    pub street: String,
    /// City.
    pub city: String,
    /// Postal code.
    pub postcode: String,
    /// Country.
    pub country: String,
    /// Company.
    pub company: String,
    /// Job title.
    pub job_title: String,
    /// Free-text biography.
    pub bio: String,
    /// A note, sometimes absent.
    pub note: Option<String>,
}

/// A contact for record `i`.
pub fn contact(i: u64, rng: &mut Lcg) -> Contact {
    let given = rng.pick(&["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald"]);
    let family = rng.pick(&["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth"]);
    Contact {
        id: format!("c{i:07}"),
        given_name: given.to_owned(),
        family_name: family.to_owned(),
        email: format!("{}.{}@example.com", given.to_lowercase(), family.to_lowercase()),
        phone: format!("+44 20 {:04} {:04}", rng.below(10_000), rng.below(10_000)),
        street: format!("{} St James's Square", 1 + rng.below(200)),
        city: rng.pick(&["London", "Zürich", "São Paulo", "Kraków"]).to_owned(),
        postcode: format!("SW1Y {}JH", rng.below(10)),
        country: rng.pick(&["United Kingdom", "Switzerland", "Brazil", "Poland"]).to_owned(),
        company: rng
            .pick(&["Analytical Engines Ltd", "Compilers & Co", "Bletchley Park"])
            .to_owned(),
        job_title: rng
            .pick(&["Engineer", "Principal \"Distinguished\" Engineer", "Mathematician"])
            .to_owned(),
        bio: format!(
            "Works on {} since {}. Likes long walks, short proofs and well-named variables; \
             writes about {} at length.",
            rng.pick(&["compilers", "distributed systems", "type theory"]),
            1950 + rng.below(70),
            rng.pick(&["programming", "mathematics", "the history of computing"]),
        ),
        note: (rng.below(3) == 0).then(|| "Prefers email.\nCall after 10:00".to_owned()),
    }
}
