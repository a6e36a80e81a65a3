//! The HTTPS client's trust anchors.
//!
//! By default they are the platform's root certificates, read from the files rustls-native-certs
//! (the SDK's default client) reads: `SSL_CERT_FILE` and the directories of `SSL_CERT_DIR` when
//! either is set, otherwise the bundle and directories `openssl-probe` finds (on Lambda's Amazon
//! Linux, `/etc/pki/tls/certs/ca-bundle.crt`). They are decoded by [`super::pem`] and parsed into
//! trust anchors once per process. With the `webpki-roots` feature they are Mozilla's roots
//! compiled into the binary instead, so no bundle is read; `SSL_CERT_FILE` and `SSL_CERT_DIR` are
//! still added to them, so that a private CA keeps working.

use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The trust anchors, with a warning (naming files, never their contents) for each unreadable
/// file or undecodable section, and one if there are none at all.
pub(crate) fn root_store() -> RootCertStore {
    let mut store = RootCertStore::empty();
    #[cfg(feature = "webpki-roots")]
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let (file, dirs) = bundle_paths();
    let (valid, invalid) = store.add_parsable_certificates(
        certificates(file.as_deref(), &dirs).into_iter().map(CertificateDer::from),
    );
    if invalid > 0 {
        tracing::warn!(invalid, valid, "root certificates that do not parse were left out");
    }
    if store.is_empty() {
        tracing::warn!("no root certificates found: HTTPS connections will fail");
    }
    store
}

/// The bundle file and directories to read, chosen as rustls-native-certs chooses them.
fn bundle_paths() -> (Option<PathBuf>, Vec<PathBuf>) {
    let file = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from);
    let dirs: Vec<PathBuf> = match std::env::var_os("SSL_CERT_DIR") {
        Some(dirs) => {
            std::env::split_paths(&dirs).filter(|dir| !dir.as_os_str().is_empty()).collect()
        }
        None => Vec::new(),
    };
    if file.is_some() || !dirs.is_empty() || cfg!(feature = "webpki-roots") {
        return (file, dirs);
    }
    platform_paths()
}

#[cfg(all(unix, not(target_os = "macos")))]
fn platform_paths() -> (Option<PathBuf>, Vec<PathBuf>) {
    let probe = openssl_probe::probe();
    (probe.cert_file, probe.cert_dir)
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn platform_paths() -> (Option<PathBuf>, Vec<PathBuf>) {
    (None, Vec::new())
}

/// The DER of every certificate in `file` and in the files of `dirs` (each file read once, however
/// many links lead to it), sorted and without duplicates, as rustls-native-certs returns them.
/// Never inlined, so that the start-up profile (`cargo xtask bench startup-profile`) can name it.
#[inline(never)]
fn certificates(file: Option<&Path>, dirs: &[PathBuf]) -> Vec<Vec<u8>> {
    let mut seen = Seen::default();
    let mut ders = Vec::new();
    if let Some(file) = file {
        if let Ok(metadata) = fs::metadata(file) {
            seen.first_visit(&metadata);
        }
        read_bundle(file, &mut ders);
    }
    for dir in dirs {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(error) => {
                tracing::warn!(path = %dir.display(), %error, "cannot read the root certificate directory");
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            // `openssl rehash` fills these directories with links: follow them.
            match fs::metadata(&path) {
                Ok(metadata) if metadata.is_file() && seen.first_visit(&metadata) => {
                    read_bundle(&path, &mut ders)
                }
                _ => {}
            }
        }
    }
    ders.sort_unstable();
    ders.dedup();
    ders
}

fn read_bundle(path: &Path, ders: &mut Vec<Vec<u8>>) {
    match fs::read(path) {
        Ok(pem) => {
            let (found, bad) = super::pem::certificates(&pem);
            if bad > 0 {
                tracing::warn!(path = %path.display(), bad, "root certificate sections that do not decode were left out");
            }
            ders.extend(found);
        }
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot read the root certificate file")
        }
    }
}

/// Files already read, by device and inode.
#[derive(Default)]
struct Seen(HashSet<(u64, u64)>);

impl Seen {
    #[cfg(unix)]
    fn first_visit(&mut self, metadata: &fs::Metadata) -> bool {
        use std::os::unix::fs::MetadataExt;
        self.0.insert((metadata.dev(), metadata.ino()))
    }

    #[cfg(not(unix))]
    fn first_visit(&mut self, _: &fs::Metadata) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::{certificates, platform_paths};

    /// The same certificates as rustls-native-certs from the same files: the platform's bundle
    /// and its directories of links.
    #[test]
    fn reads_what_rustls_native_certs_reads_from_the_platform() {
        let (file, dirs) = platform_paths();
        let ours = certificates(file.as_deref(), &dirs);
        let theirs = rustls_native_certs::load_certs_from_paths(file.as_deref(), None);
        assert!(theirs.errors.is_empty(), "{:?}", theirs.errors);
        let mut theirs: Vec<Vec<u8>> = theirs.certs.iter().map(|der| der.to_vec()).collect();
        for dir in &dirs {
            let more = rustls_native_certs::load_certs_from_paths(None, Some(dir));
            theirs.extend(more.certs.iter().map(|der| der.to_vec()));
        }
        theirs.sort_unstable();
        theirs.dedup();
        assert!(ours.len() > 50, "the platform has a root bundle ({} found)", ours.len());
        assert_eq!(ours, theirs);
    }

    /// A bundle file, plus a directory holding a link to it, a copy of it and a file of one more
    /// certificate: each certificate once, the linked file read once.
    #[test]
    fn reads_each_file_once_and_each_certificate_once() {
        let (Some(system), _) = platform_paths() else {
            panic!("this machine has a platform bundle")
        };
        let dir = std::env::temp_dir().join(format!("ferrodyn-roots-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(&system, dir.join("link.pem")).unwrap();
        std::fs::copy(&system, dir.join("copy.pem")).unwrap();
        let extra = "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n";
        std::fs::write(dir.join("extra.pem"), extra).unwrap();
        let alone = certificates(Some(&system), &[]);
        let all = certificates(Some(&system), std::slice::from_ref(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(all.len(), alone.len() + 1);
        assert!(all.contains(&vec![0, 1, 2, 3, 4, 5]));
    }
}
