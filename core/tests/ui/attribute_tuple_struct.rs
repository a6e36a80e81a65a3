use ferrodyn::Attribute;

#[derive(Attribute)]
struct Meters(f64);

fn main() {}
