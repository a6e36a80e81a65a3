use ferrodyn::IndexProjection;

#[derive(IndexProjection)]
struct Keys {
    id: String,
}

#[derive(IndexProjection)]
#[ferrodyn(projection_of = String, index = "gsi1", sort = "x")]
struct Unknown {
    #[ferrodyn(version)]
    id: u64,
}

fn main() {}
