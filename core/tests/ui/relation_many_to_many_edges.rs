use ferrodyn::Model;
use serde::{Deserialize, Serialize};

// No sort key for the edges, and no entity type.
#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "school", pk = "STUDENT#{student_id}",
           many_to_many(courses = Course, inverse = students))]
struct Student { student_id: String }

// A sort key with a field: the partition key alone does not name a course.
#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "school", entity = "Course", pk = "COURSE#{course_id}", sk = "TERM#{term}")]
struct Course { course_id: String, term: String }

fn main() {}
