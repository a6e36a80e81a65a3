use ferrodyn::{Binary, Model};

#[derive(Model)]
#[ferrodyn(table = "files", pk = "FILE#{id}")]
struct File {
    id: Binary,
}

fn main() {}
