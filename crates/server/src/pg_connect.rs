//! How the server reaches PostgreSQL: the URI's own settings, and TLS when the URI asks for it.
//!
//! `sslmode=require` (or libpq's `verify-ca` and `verify-full`) connects over TLS and always
//! verifies the database's certificate and host name, against the CAs this machine trusts or
//! the PEM file `sslrootcert=FILE` names. libpq's `require` alone would take any certificate;
//! Spearmint never does, since the database holds every account's token and password hashes.
//! Without `sslmode`, or with `disable`, `allow` or `prefer`, the connection is plain, for a
//! database on loopback or a network the operator trusts.

use std::sync::Arc;

use postgres::{Client, NoTls};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use rustls::{ClientConfig, RootCertStore};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::StoreError;

/// The database to connect to, as the driver takes it, and the verifying TLS connector when
/// the URI asked for TLS.
pub(crate) struct PgTarget {
    /// The URI without the settings read here (the driver knows neither `sslrootcert` nor the
    /// verifying modes).
    uri: String,
    tls: Option<MakeRustlsConnect>,
}

impl PgTarget {
    /// Reads `uri` (`postgres://user:password@host:port/database?sslmode=require&sslrootcert=FILE`).
    /// An error names the setting that is wrong and what to give instead, never the password.
    pub(crate) fn parse(uri: &str) -> Result<PgTarget, StoreError> {
        let (base, query) = uri.split_once('?').unwrap_or((uri, ""));
        let mut kept = Vec::new();
        let (mut tls, mut root) = (false, None);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sslmode" => match value {
                    "disable" => kept.push("sslmode=disable".to_owned()),
                    "allow" | "prefer" => kept.push("sslmode=prefer".to_owned()),
                    "require" | "verify-ca" | "verify-full" => {
                        tls = true;
                        kept.push("sslmode=require".to_owned());
                    }
                    other => {
                        return Err(StoreError::Setup(format!(
                            "the database URI's sslmode={other} is not one Spearmint knows: give sslmode=require for TLS (the certificate is always verified) or leave it out on a trusted network"
                        )));
                    }
                },
                "sslrootcert" => root = Some(percent_decoded(value)?),
                _ => kept.push(pair.to_owned()),
            }
        }
        if root.is_some() && !tls {
            return Err(StoreError::Setup(
                "the database URI names sslrootcert but not sslmode=require: add sslmode=require, so the connection uses TLS".into(),
            ));
        }
        let uri = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
        let tls = if tls { Some(MakeRustlsConnect::new(client_config(root.as_deref())?)) } else { None };
        Ok(PgTarget { uri, tls })
    }

    /// A new connection. A certificate the connection refused is named as such, with what to
    /// do, rather than as a database failure.
    pub(crate) fn connect(&self) -> Result<Client, StoreError> {
        let connected = match &self.tls {
            Some(tls) => Client::connect(&self.uri, tls.clone()),
            None => Client::connect(&self.uri, NoTls),
        };
        connected.map_err(|e| match certificate_problem(&e) {
            Some(problem) => StoreError::DatabaseCertificate(problem),
            None => StoreError::Postgres(e),
        })
    }
}

/// TLS as the server's own HTTPS speaks it (aws-lc, TLS 1.2 and 1.3), trusting `root` or,
/// without it, the CAs this machine trusts (`SSL_CERT_FILE` and `SSL_CERT_DIR` count).
fn client_config(root: Option<&str>) -> Result<ClientConfig, StoreError> {
    let mut roots = RootCertStore::empty();
    match root {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<_, _>>())
                .map_err(|e| {
                    StoreError::Setup(format!(
                        "cannot read sslrootcert {path}: {e}; give the PEM file of the CA that signed the database's certificate"
                    ))
                })?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(StoreError::Setup(format!(
                    "sslrootcert {path} holds no CA certificate: give the PEM file of the CA that signed the database's certificate"
                )));
            }
        }
        None => {
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            if roots.is_empty() {
                return Err(StoreError::Setup(
                    "this machine trusts no certificate authority: name the database's CA with sslrootcert=FILE in the database URI".into(),
                ));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Setup(format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// `%XX` escapes in a URI's value (a path with spaces, say), decoded.
fn percent_decoded(value: &str) -> Result<String, StoreError> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(byte) = hex else {
                return Err(StoreError::Setup(format!(
                    "the database URI's `{value}` has a broken % escape: write a % as %25"
                )));
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| StoreError::Setup(format!("the database URI's `{value}` is not text once decoded")))
}

/// What TLS refused, when the connection failed on the database's certificate.
fn certificate_problem(error: &postgres::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(e) = source {
        let tls = e.downcast_ref::<rustls::Error>().or_else(|| {
            e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()?.downcast_ref::<rustls::Error>())
        });
        if let Some(rustls::Error::InvalidCertificate(why)) = tls {
            return Some(format!("{why:?}"));
        }
        source = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(uri: &str) -> Result<PgTarget, String> {
        PgTarget::parse(uri).map_err(|e| e.to_string())
    }

    #[test]
    fn the_uri_s_tls_settings_are_read_and_the_rest_left_to_the_driver() {
        let plain = target("postgres://u:p@db/spearmint?application_name=s").unwrap();
        assert_eq!(
            (plain.uri.as_str(), plain.tls.is_some()),
            ("postgres://u:p@db/spearmint?application_name=s", false)
        );
        let prefer = target("postgres://db/s?sslmode=prefer").unwrap();
        assert_eq!((prefer.uri.as_str(), prefer.tls.is_some()), ("postgres://db/s?sslmode=prefer", false));
        for mode in ["require", "verify-ca", "verify-full"] {
            let tls = target(&format!("postgres://db/s?sslmode={mode}&connect_timeout=5")).unwrap();
            assert_eq!(
                (tls.uri.as_str(), tls.tls.is_some()),
                ("postgres://db/s?sslmode=require&connect_timeout=5", true)
            );
        }
    }

    #[test]
    fn a_wrong_tls_setting_is_named_with_what_to_give() {
        let unknown = target("postgres://db/s?sslmode=always").err().unwrap();
        assert!(unknown.contains("sslmode=always") && unknown.contains("sslmode=require"), "{unknown}");
        let alone = target("postgres://db/s?sslrootcert=/ca.pem").err().unwrap();
        assert!(alone.contains("add sslmode=require"), "{alone}");
        let missing = target("postgres://db/s?sslmode=require&sslrootcert=/no%20such/ca.pem").err().unwrap();
        assert!(missing.contains("cannot read sslrootcert /no such/ca.pem"), "{missing}");
        let broken = target("postgres://db/s?sslmode=require&sslrootcert=%zz").err().unwrap();
        assert!(broken.contains("broken % escape"), "{broken}");
    }
}
