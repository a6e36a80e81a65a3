//! The top-level README's Rust examples are not doctested where they stand (the README is no
//! crate's documentation: a published crate cannot include a file outside its package), so each
//! must also stand, verbatim, in a crate's guide (ferrodyn's core/README.md, or
//! ferrodyn-idempotency's), whose examples run as doctests. This test keeps them from drifting
//! apart.

/// The text of every fenced block whose info string starts with `rust`.
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start().strip_prefix("```")) {
            (None, Some(info)) if info.starts_with("rust") => current = Some(String::new()),
            (Some(block), Some(_)) => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), None) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn every_example_of_the_readme_is_doctested_in_the_guide() {
    let readme = include_str!("../../README.md");
    let guides =
        [include_str!("../../core/README.md"), include_str!("../../idempotency/README.md")];
    let examples = rust_blocks(readme);
    assert!(!examples.is_empty(), "the README has no Rust example");
    let guide_blocks: Vec<String> = guides.iter().flat_map(|guide| rust_blocks(guide)).collect();
    for example in examples {
        assert!(
            guide_blocks.contains(&example),
            "this README example is in no crate guide, so no doctest runs it:\n{example}"
        );
    }
}

#[test]
fn finds_fenced_rust_blocks_only() {
    let markdown =
        "text\n```rust,no_run\nlet a = 1;\n```\n```sh\nls\n```\n```rust\nlet b = 2;\n```\n";
    assert_eq!(rust_blocks(markdown), ["let a = 1;\n", "let b = 2;\n"]);
}
