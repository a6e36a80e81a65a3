use ferrodyn::Attribute;

#[derive(Attribute)]
enum Payment {
    Cash,
    Card { last4: String },
}

fn main() {}
