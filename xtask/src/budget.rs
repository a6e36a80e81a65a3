//! The size each shipped bootstrap may reach: `cargo xtask test` fails when a function built for
//! Lambda grows past its budget, so that a dependency or feature that slips into a function (and
//! into its cold start) is seen in the change that brings it. A budget is raised on purpose, in
//! the change that needs it, with the new size in its commit message.

/// Bytes per binary of the arm64 bootstrap `cargo lambda build --release --arm64` makes (stripped,
/// `panic = "unwind"`): about 5% above the sizes measured when the budget was last set
/// (orders-api 7,369,536 B, order-stream 6,378,032 B, on ferrodyn-lambda's own HTTP client and
/// without aws-config).
pub(crate) const BUDGETS: &[(&str, u64)] =
    &[("orders-api", 7_740_000), ("order-stream", 6_700_000)];

/// Fails when `binary`'s bootstrap of `size` bytes is over its budget, or has none.
pub(crate) fn check(binary: &str, size: u64) -> Result<(), String> {
    let Some(&(_, budget)) = BUDGETS.iter().find(|(name, _)| *name == binary) else {
        return Err(format!(
            "the bootstrap of `{binary}` has no size budget: add one to xtask/src/budget.rs"
        ));
    };
    if size > budget {
        return Err(format!(
            "the bootstrap of `{binary}` is {size} bytes, over its budget of {budget} \
             (xtask/src/budget.rs): find what grew it, or raise the budget on purpose"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bootstrap_over_its_budget_or_without_one_fails() {
        assert!(check("orders-api", 7_740_000).is_ok());
        let over = check("orders-api", 7_740_001).unwrap_err();
        assert!(over.contains("over its budget of 7740000"), "{over}");
        let none = check("another-function", 1).unwrap_err();
        assert!(none.contains("has no size budget"), "{none}");
    }
}
