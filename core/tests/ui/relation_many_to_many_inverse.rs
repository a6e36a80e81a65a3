use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "school", entity = "Student", pk = "STUDENT#{student_id}", sk = "STUDENT",
           many_to_many(courses = Course, inverse = students))]
struct Student { student_id: String }

// The other side names the relation back with another inverse: its links would not be Student's.
#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "school", entity = "Course", pk = "COURSE#{course_id}", sk = "COURSE",
           many_to_many(students = Student, inverse = classes))]
struct Course { course_id: String }

fn main() {}
