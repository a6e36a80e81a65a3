//! The start-up profile's reading of `callgrind_annotate` output and its attribution to phases.

use ferrodyn_benches::startup_profile::phases::{self, Phase, REST};

const ANNOTATED: &str = "\
--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
1,000 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                file:function
--------------------------------------------------------------------------------
  900 (90.00%)  ???:app::main [/bin/app]
  600 (60.00%)  ???:app::build [/bin/app]
  400 (40.00%)  ???:certs::load [/bin/app]
  390 (39.00%)  ???:certs::load::{{closure}} [/bin/app]
  250 (25.00%)  ???:app::request [/bin/app]
  100 (10.00%)  ???:tls::handshake [/bin/app]
";

const TEST_PHASES: [Phase; 4] = [
    Phase { name: "build", patterns: &["app::build "], excluding: &[], within: None },
    Phase { name: "certs", patterns: &["certs::load"], excluding: &[], within: Some("build") },
    Phase {
        name: "request",
        patterns: &["app::request "],
        excluding: &["tls::handshake"],
        within: None,
    },
    Phase { name: "handshake", patterns: &["tls::handshake"], excluding: &[], within: None },
];

#[test]
fn reads_totals_and_inclusive_costs() {
    let inclusive = phases::parse_inclusive(ANNOTATED).unwrap();
    assert_eq!(inclusive.total, 1000);
    assert_eq!(inclusive.entries.len(), 6);
    assert_eq!(inclusive.entries[1], (600, "???:app::build [/bin/app]".to_owned()));
    // A function and its closure nest: the largest counts.
    assert_eq!(inclusive.largest("certs::load"), 400);
    assert_eq!(inclusive.largest("absent"), 0);
    assert!(phases::parse_inclusive("no totals here").is_err());
}

#[test]
fn nested_phases_leave_their_parent_and_rows_sum_to_the_total() {
    let inclusive = phases::parse_inclusive(ANNOTATED).unwrap();
    let attribution = phases::attribute_to(&inclusive, &TEST_PHASES);
    assert_eq!(
        attribution.rows,
        vec![(REST, 150), ("build", 200), ("certs", 400), ("request", 150), ("handshake", 100)]
    );
    assert_eq!(attribution.rows.iter().map(|(_, c)| c).sum::<u64>(), attribution.total);
}

#[test]
fn thousands_separators() {
    assert_eq!(phases::thousands(0), "0");
    assert_eq!(phases::thousands(999), "999");
    assert_eq!(phases::thousands(14_675_442), "14,675,442");
}
