use ferrodyn::Entities;

#[derive(Entities)]
struct View {
    id: String,
}

fn main() {}
