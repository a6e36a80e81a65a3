//! Compile errors of the derives: each mistake in its own file, with the expected message.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
