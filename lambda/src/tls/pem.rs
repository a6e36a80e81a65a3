//! PEM to DER for root-certificate bundles: each `CERTIFICATE` section's base64 decoded at memory
//! speed (base64-simd, already in the SDK's tree), sections of other kinds skipped unread.
//!
//! A system bundle is public data, so this decoder need not run in constant time as
//! `rustls-pki-types`' must for private keys; that decoder spends about 40 instructions per byte,
//! most of a function's start-up instructions over HTTPS (`benches/README.md`). The sections it
//! finds are the ones `rustls-pki-types` finds: a test below compares the two on bundles of every
//! layout.

use memchr::memmem;

const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
const END: &[u8] = b"-----END CERTIFICATE-----";

/// The DER of every `CERTIFICATE` section of `pem`, in order, and the number of sections whose
/// base64 did not decode (left out). A section starts with its `BEGIN` line at the start of a
/// line and ends at the first `END` line after it; a section without an end is counted as bad.
pub(crate) fn certificates(pem: &[u8]) -> (Vec<Vec<u8>>, usize) {
    let begins = memmem::Finder::new(BEGIN);
    let ends = memmem::Finder::new(END);
    let (mut ders, mut bad) = (Vec::new(), 0);
    let mut base64 = Vec::new();
    let mut at = 0;
    while let Some(found) = begins.find(&pem[at..]) {
        let start = at + found;
        at = start + BEGIN.len();
        if start > 0 && pem[start - 1] != b'\n' {
            continue;
        }
        let Some(body_start) = line_end(pem, at) else {
            bad += 1;
            continue;
        };
        let Some(end) = ends.find(&pem[body_start..]).map(|end| body_start + end) else {
            bad += 1;
            break;
        };
        match decode(&pem[body_start..end], &mut base64) {
            Some(der) => ders.push(der),
            None => bad += 1,
        }
        at = end + END.len();
    }
    (ders, bad)
}

/// The bytes `body`'s base64 lines encode. The lines are joined without their line ends and
/// decoded strictly; a body with whitespace inside its lines, which bundles do not have, is
/// decoded by base64-simd's forgiving decoder, which removes whitespace one byte at a time.
/// Bundles' lines are 64 characters and a newline: such a line is copied whole after one test of
/// its bytes, the others are found with memchr and trimmed.
fn decode(body: &[u8], joined: &mut Vec<u8>) -> Option<Vec<u8>> {
    joined.clear();
    let mut start = 0;
    while start < body.len() {
        if let Some(line) = full_line(body, start) {
            joined.extend_from_slice(line);
            start += LINE + 1;
            continue;
        }
        let newline = memchr::memchr(b'\n', &body[start..]).map_or(body.len(), |at| start + at);
        joined.extend_from_slice(body[start..newline].trim_ascii());
        start = newline + 1;
    }
    base64_simd::STANDARD
        .decode_to_vec(joined.as_slice())
        .or_else(|_| base64_simd::forgiving_decode_to_vec(body))
        .ok()
}

/// The base64 line length of PEM (RFC 7468).
const LINE: usize = 64;

/// The `LINE` bytes at `start` when they hold no byte up to the space (so no line end and
/// nothing to trim: what memchr and `trim_ascii` would give) and a newline follows them.
#[inline(always)]
fn full_line(body: &[u8], start: usize) -> Option<&[u8]> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    let line: &[u8; LINE + 1] = body.get(start..start + LINE + 1)?.try_into().ok()?;
    if line[LINE] != b'\n' {
        return None;
    }
    // A byte below 0x21 sets its high bit in `v - 0x21…` while `!v` keeps it (bytes of 0x80 and
    // above clear it through `!v`); the test is exact for "any such byte".
    let mut low = 0;
    for chunk in line[..LINE].chunks_exact(8) {
        let v = u64::from_le_bytes(chunk.try_into().ok()?);
        low |= v.wrapping_sub(ONES * 0x21) & !v;
    }
    (low & HIGH == 0).then_some(&line[..LINE])
}

/// Where the line after the `BEGIN` marker ending at `at` starts: the marker may only be followed
/// by spaces and a carriage return before its newline, as `rustls-pki-types` reads it.
fn line_end(pem: &[u8], at: usize) -> Option<usize> {
    let rest = &pem[at..];
    let newline = memchr::memchr(b'\n', rest)?;
    rest[..newline].iter().all(|&b| b == b' ' || b == b'\r').then_some(at + newline + 1)
}

#[cfg(test)]
mod tests {
    use super::{certificates, full_line};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    /// What `rustls-pki-types` (rustls-native-certs' decoder) reads from `pem`.
    fn reference(pem: &[u8]) -> Vec<Vec<u8>> {
        CertificateDer::pem_slice_iter(pem)
            .map(|der| der.expect("reference decodes").to_vec())
            .collect()
    }

    fn encode(der: &[u8], width: usize, newline: &str, label: &str) -> String {
        let b64 = base64_simd::STANDARD.encode_to_string(der);
        let mut out = format!("-----BEGIN {label}-----{newline}");
        for line in b64.as_bytes().chunks(width) {
            out.push_str(std::str::from_utf8(line).unwrap());
            out.push_str(newline);
        }
        out.push_str(&format!("-----END {label}-----{newline}"));
        out
    }

    /// Certificate-like payloads of many lengths (every remainder modulo 3 and 4).
    fn payloads() -> Vec<Vec<u8>> {
        (0..24u8).map(|n| (0..(300 + 37 * n as usize)).map(|i| (i as u8) ^ n).collect()).collect()
    }

    #[test]
    fn agrees_with_rustls_pki_types_on_every_layout() {
        let payloads = payloads();
        // 4 and 12 put a newline 64 bytes after a line start, 63 with a trailing space a space
        // before it: neither is a whole 64-character line.
        let layouts = [
            (64, "\n"),
            (64, "\r\n"),
            (76, "\n"),
            (1000, "\n"),
            (5, "\r\n"),
            (4, "\n"),
            (12, "\n"),
            (63, " \n"),
        ];
        for (width, newline) in layouts {
            let mut bundle = String::from("# a comment before the first section\n");
            for (i, der) in payloads.iter().enumerate() {
                // Other kinds are read past, as both decoders do.
                match i % 4 {
                    0 => bundle.push_str(&encode(der, width, newline, "TRUSTED CERTIFICATE")),
                    1 => bundle.push_str(&format!("{} explanatory text{newline}", i)),
                    2 => bundle.push_str(&encode(der, width, newline, "X509 CRL")),
                    _ => {}
                }
                bundle.push_str(&encode(der, width, newline, "CERTIFICATE"));
            }
            let (ders, bad) = certificates(bundle.as_bytes());
            assert_eq!(bad, 0, "width {width}");
            assert_eq!(ders, reference(bundle.as_bytes()), "width {width}");
            assert_eq!(ders, payloads, "width {width}");
        }
    }

    #[test]
    fn agrees_with_rustls_pki_types_on_this_machines_bundles() {
        let mut read = 0;
        for path in ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"] {
            let Ok(pem) = std::fs::read(path) else { continue };
            let (ders, bad) = certificates(&pem);
            assert_eq!((ders, bad), (reference(&pem), 0), "{path}");
            read += 1;
        }
        assert!(read > 0, "this machine has a system bundle at a known path");
    }

    #[test]
    fn only_a_whole_64_character_line_takes_the_shortcut() {
        // The layouts above decode alike either way (the forgiving decoder mends a wrong join),
        // so the shortcut's own answer is checked here.
        let line = "A".repeat(64);
        assert_eq!(full_line(format!("{line}\nB").as_bytes(), 0), Some(line.as_bytes()));
        assert_eq!(full_line(format!("x{line}\n").as_bytes(), 1), Some(line.as_bytes()));
        for not_whole in [
            format!("{line}\r\n"),
            line.clone(),
            format!("{}\n{}\n", "A".repeat(12), "A".repeat(51)),
            format!("{} \n", "A".repeat(63)),
            format!("{}\t{}\n", "A".repeat(30), "A".repeat(33)),
            format!("{}\u{1}{}\n", "A".repeat(40), "A".repeat(23)),
        ] {
            assert_eq!(full_line(not_whole.as_bytes(), 0), None, "{not_whole:?}");
        }
        // Bytes above 0x7f are not whitespace: the line is copied and left to the decoder.
        let high = format!("{}é{}\n", "A".repeat(31), "A".repeat(31));
        assert_eq!(full_line(high.as_bytes(), 0).map(<[u8]>::len), Some(64));
    }

    #[test]
    fn bad_sections_are_counted_and_the_rest_kept() {
        let good = encode(b"first", 64, "\n", "CERTIFICATE");
        let broken = "-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----\n";
        let unterminated = "-----BEGIN CERTIFICATE-----\nAAAA\n";
        let bundle = format!("{good}{broken}{good}{unterminated}");
        assert_eq!(
            certificates(bundle.as_bytes()),
            (vec![b"first".to_vec(), b"first".to_vec()], 2)
        );
        // A marker inside a line is not a section start.
        let inline = format!("text {}", encode(b"x", 64, "\n", "CERTIFICATE"));
        assert_eq!(certificates(inline.as_bytes()), (vec![], 0));
        assert_eq!(certificates(b""), (vec![], 0));
        // Whitespace inside a line goes to the forgiving decoder.
        let spaced = "-----BEGIN CERTIFICATE-----\nAAEC AwQF\n-----END CERTIFICATE-----";
        assert_eq!(certificates(spaced.as_bytes()), (vec![vec![0, 1, 2, 3, 4, 5]], 0));
    }
}
