//! The arithmetic of the cold-start report: medians of samples and ratios between functions.

/// The median of `values` (the mean of the middle two for an even count); `None` when empty.
///
/// ```
/// use ferrodyn_benches::coldstart::stats::median;
/// assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
/// assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
/// assert_eq!(median(&[]), None);
/// ```
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len() % 2 == 0 {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    })
}

/// `numerator / denominator`, or `None` when the denominator is not positive.
///
/// ```
/// use ferrodyn_benches::coldstart::stats::ratio;
/// assert_eq!(ratio(1.0, 4.0), Some(0.25));
/// assert_eq!(ratio(1.0, 0.0), None);
/// ```
pub fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}
