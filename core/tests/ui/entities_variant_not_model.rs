use ferrodyn::Entities;

#[derive(Entities)]
enum View {
    Text(String),
}

fn main() {}
