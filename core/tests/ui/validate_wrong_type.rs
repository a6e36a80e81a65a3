use ferrodyn::Model;
use serde::{Deserialize, Serialize};

mod checks {
    pub fn positive(value: &u32) -> Result<(), String> {
        if *value == 0 {
            return Err("must be positive".into());
        }
        Ok(())
    }

    pub fn is_email(value: &String) -> bool {
        value.contains('@')
    }

    pub struct NoDisplay;

    pub fn opaque(_: &String) -> Result<(), NoDisplay> {
        Ok(())
    }

    pub const LIMIT: u32 = 3;

    pub fn two_arguments(_: &String, _: u32) -> Result<(), String> {
        Ok(())
    }

    pub fn of_another_model(_: &super::Other) -> Result<(), String> {
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
pub struct Other;

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "id", validate = checks::of_another_model)]
struct User {
    // The validator is for another field type.
    #[ferrodyn(validate = checks::positive)]
    id: String,
    // Not a `Result`.
    #[ferrodyn(validate = checks::is_email)]
    email: String,
    // An error type that is not `Display`.
    #[ferrodyn(validate = checks::opaque)]
    name: String,
    // Not a function.
    #[ferrodyn(validate = checks::LIMIT)]
    age: u32,
    #[ferrodyn(validate = checks::two_arguments)]
    nickname: String,
    #[ferrodyn(validate = checks::missing)]
    city: String,
}

fn main() {}
