use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "school", entity = "Student", pk = "STUDENT#{id}", sk = "STUDENT",
           many_to_many(courses = Course, inverse = students, key(student_id = id)),
           has_many(orders = Order, key()),
           has_one(profile = Profile, key(student_id = id, student_id = id)),
           belongs_to(school = School, key = id))]
struct Student { id: String }

fn main() {}
