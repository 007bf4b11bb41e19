//! TLS to PostgreSQL as libpq's `sslmode` and `sslrootcert` have it, over rustls.
//!
//! The driver (`tokio-postgres`) knows `sslmode=disable|prefer|require` only, and checks
//! nothing itself: what a certificate must be is up to the TLS connector. This module takes
//! the options out of the connection string before the driver reads it, and makes the
//! connector check what libpq checks:
//!
//! | `sslmode` | TLS | the server's certificate |
//! |---|---|---|
//! | `disable` | never | — |
//! | `allow`, `prefer` (the default) | when the server offers it | not checked¹ |
//! | `require` | always | not checked¹ |
//! | `verify-ca` | always | signed by a trusted CA² |
//! | `verify-full` | always | signed by a trusted CA², and names the host connected to |
//!
//! ¹ As libpq: the connection is encrypted, but the server is not authenticated (use
//! `verify-full` for that). With `sslrootcert`, the chain is checked as for `verify-ca`.
//! ² The CA certificates (PEM) of the file `sslrootcert` names, or the system's trusted roots
//! when it is `system` or absent (libpq's default, `~/.postgresql/root.crt`, is not read).
//!
//! `allow` is taken as `prefer` (TLS first, never less protection than `allow` asks for).
//! Client certificates (`sslcert`, `sslkey`) are not supported: such a string is refused by the
//! driver as naming an unknown option.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_postgres::config::SslMode;

use super::backend;
use crate::error::StoreError;

/// What `sslmode` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Mode {
    Disable,
    #[default]
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// The TLS options of a connection string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct TlsOptions {
    pub mode: Mode,
    /// `sslrootcert`: a PEM file of CA certificates; `None` for the system's roots.
    pub root_cert: Option<PathBuf>,
}

impl TlsOptions {
    /// The driver's own `sslmode`: whether TLS is tried, and whether it is a must.
    pub fn driver_mode(&self) -> SslMode {
        match self.mode {
            Mode::Disable => SslMode::Disable,
            Mode::Prefer => SslMode::Prefer,
            Mode::Require | Mode::VerifyCa | Mode::VerifyFull => SslMode::Require,
        }
    }

    /// The connector: rustls on aws-lc, checking the server's certificate as [`Mode`] says.
    pub fn connector(&self) -> Result<tokio_postgres_rustls::MakeRustlsConnect, StoreError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| backend(format!("TLS set-up: {e}"), false))?;
        let check = match (self.mode, &self.root_cert) {
            (Mode::Disable | Mode::Prefer | Mode::Require, None) => Check::Nothing,
            (Mode::Disable | Mode::Prefer | Mode::Require | Mode::VerifyCa, _) => Check::Chain,
            (Mode::VerifyFull, _) => Check::ChainAndName,
        };
        let config = match check {
            Check::Nothing => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(EncryptOnly {
                    algorithms: provider.signature_verification_algorithms,
                })),
            Check::Chain | Check::ChainAndName => {
                let webpki =
                    WebPkiServerVerifier::builder_with_provider(Arc::new(self.roots()?), provider)
                        .build()
                        .map_err(|e| backend(format!("TLS set-up: {e}"), false))?;
                if check == Check::Chain {
                    builder
                        .dangerous()
                        .with_custom_certificate_verifier(Arc::new(ChainOnly { webpki }))
                } else {
                    builder.with_webpki_verifier(webpki)
                }
            }
        }
        .with_no_client_auth();
        Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
    }

    /// The trusted CA certificates: `sslrootcert`'s, or the system's.
    fn roots(&self) -> Result<rustls::RootCertStore, StoreError> {
        let mut roots = rustls::RootCertStore::empty();
        match &self.root_cert {
            Some(path) => {
                let unreadable = |e: &dyn std::fmt::Display| {
                    backend(
                        format!(
                            "cannot read the CA certificates of sslrootcert={}: {e}",
                            path.display()
                        ),
                        false,
                    )
                };
                let certs = CertificateDer::pem_file_iter(path)
                    .map_err(|e| unreadable(&e))?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| unreadable(&e))?;
                if certs.is_empty() {
                    return Err(unreadable(&"no PEM certificate in it"));
                }
                for cert in certs {
                    roots.add(cert).map_err(|e| unreadable(&e))?;
                }
            }
            None => {
                for cert in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(cert);
                }
            }
        }
        Ok(roots)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

/// Splits the TLS options out of a connection string (URL or `key=value` form): the string
/// without `sslmode` and `sslrootcert`, for the driver, and the options.
pub(super) fn split(url: &str) -> Result<(String, TlsOptions), StoreError> {
    let mut options = TlsOptions::default();
    let mut take = |key: &str, value: &str| -> Result<bool, StoreError> {
        match key {
            "sslmode" => {
                options.mode = match value {
                    "disable" => Mode::Disable,
                    "allow" | "prefer" => Mode::Prefer,
                    "require" => Mode::Require,
                    "verify-ca" => Mode::VerifyCa,
                    "verify-full" => Mode::VerifyFull,
                    other => {
                        return Err(backend(
                            format!(
                                "not a PostgreSQL URL: sslmode={other} (disable, allow, prefer, \
                                 require, verify-ca or verify-full)"
                            ),
                            false,
                        ));
                    }
                };
                Ok(true)
            }
            "sslrootcert" => {
                options.root_cert = (value != "system").then(|| PathBuf::from(value));
                Ok(true)
            }
            _ => Ok(false),
        }
    };
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        split_url(url, &mut take)?
    } else {
        split_pairs(url, &mut take)?
    };
    Ok((rest, options))
}

type Take<'a> = dyn FnMut(&str, &str) -> Result<bool, StoreError> + 'a;

/// The URL form: `…?key=value&…` (percent-encoded).
fn split_url(url: &str, take: &mut Take<'_>) -> Result<String, StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok(url.to_owned());
    };
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        if !take(&decode(key), &decode(value))? {
            kept.push(pair);
        }
    }
    Ok(if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    })
}

/// The `key=value` form: pairs apart by spaces, a value in single quotes when it holds spaces
/// (`\'` and `\\` in it).
fn split_pairs(text: &str, take: &mut Take<'_>) -> Result<String, StoreError> {
    let bad = || {
        backend(
            "not a PostgreSQL URL: unterminated quoted value".into(),
            false,
        )
    };
    let mut kept: Vec<&str> = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let start = rest;
        let Some(eq) = rest.find('=') else {
            // Not a pair: the driver says what is wrong with it.
            kept.push(rest);
            break;
        };
        let key = rest[..eq].trim();
        rest = rest[eq + 1..].trim_start();
        let mut value = String::new();
        if let Some(quoted) = rest.strip_prefix('\'') {
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => value.push(chars.next().ok_or_else(bad)?.1),
                    Some((i, '\'')) => break i + 1,
                    Some((_, c)) => value.push(c),
                    None => return Err(bad()),
                }
            };
            rest = &quoted[end..];
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            value.push_str(&rest[..end]);
            rest = &rest[end..];
        }
        if !take(key, &value)? {
            kept.push(start[..start.len() - rest.len()].trim());
        }
        rest = rest.trim_start();
    }
    Ok(kept.join(" "))
}

/// `prefer` and `require` without `sslrootcert`: any certificate, as libpq; the handshake's
/// signatures are still checked, so the connection is encrypted to whoever holds the key of
/// the certificate shown.
#[derive(Debug)]
struct EncryptOnly {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain to a trusted CA is checked, the name in the certificate is not.
#[derive(Debug)]
struct ChainOnly {
    webpki: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        use rustls::CertificateError::{NotValidForName, NotValidForNameContext};
        // webpki checks the chain first: a wrong name is reported only of a trusted chain.
        match self
            .webpki
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                NotValidForName | NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(url: &str) -> (String, TlsOptions) {
        split(url).unwrap()
    }

    #[test]
    fn the_url_form_loses_the_tls_options_and_keeps_the_rest() {
        let (rest, o) = options(
            "postgres://u:p@db:5432/team?application_name=x&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem",
        );
        assert_eq!(rest, "postgres://u:p@db:5432/team?application_name=x");
        assert_eq!(o.mode, Mode::VerifyFull);
        assert_eq!(o.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        let (rest, o) = options("postgresql://db/team?sslmode=require");
        assert_eq!(
            (rest.as_str(), o.mode),
            ("postgresql://db/team", Mode::Require)
        );
        let (rest, o) = options("postgres://db/team");
        assert_eq!(
            (rest.as_str(), o),
            ("postgres://db/team", TlsOptions::default())
        );
        let (_, o) = options("postgres://db/team?sslmode=verify-ca&sslrootcert=system");
        assert_eq!((o.mode, o.root_cert), (Mode::VerifyCa, None));
    }

    #[test]
    fn the_key_value_form_loses_the_tls_options_and_keeps_the_rest() {
        let (rest, o) = options(
            "host=db  sslmode=verify-ca password='a \\'b\\' c' sslrootcert='/my certs/ca.pem' dbname=team",
        );
        assert_eq!(rest, "host=db password='a \\'b\\' c' dbname=team");
        assert_eq!(o.mode, Mode::VerifyCa);
        assert_eq!(o.root_cert, Some(PathBuf::from("/my certs/ca.pem")));
        assert!(split("host=db sslrootcert='/unterminated").is_err());
    }

    #[test]
    fn each_mode_asks_the_driver_for_tls_as_libpq_does() {
        for (mode, driver) in [
            ("disable", SslMode::Disable),
            ("allow", SslMode::Prefer),
            ("prefer", SslMode::Prefer),
            ("require", SslMode::Require),
            ("verify-ca", SslMode::Require),
            ("verify-full", SslMode::Require),
        ] {
            let (_, o) = options(&format!("postgres://db/x?sslmode={mode}"));
            assert_eq!(o.driver_mode(), driver, "{mode}");
        }
        let e = split("postgres://db/x?sslmode=verify")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sslmode=verify (disable, allow"), "{e}");
    }

    #[test]
    fn an_unreadable_root_certificate_file_is_named() {
        let (_, o) = options("postgres://db/x?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem");
        let e = o.connector().err().unwrap().to_string();
        assert!(e.contains("sslrootcert=/nonexistent/ca.pem"), "{e}");
    }
}
