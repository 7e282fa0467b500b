//! The signature scheme of webhook deliveries: `Sixtyfour-Signature: t=<unix seconds>,v1=<hex>`
//! where `v1 = HMAC-SHA256(secret, "<t>.<raw body>")`. Pure functions, shared by the servers
//! (which sign) and the client (which verifies).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far a signature's timestamp may be from now, in seconds.
pub const TOLERANCE_SECS: u64 = 300;

pub use crate::http::{ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER};

fn mac(secret: &[u8], timestamp: u64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The hex `v1` value for a body signed at `timestamp`.
///
/// ```
/// use sixtyfour_protocol::signature::{sign, signature_header};
///
/// let v1 = sign(b"whsec_test", 1_700_000_000, br#"{"task_id":"t1"}"#);
/// assert_eq!(v1.len(), 64);
/// assert_eq!(signature_header(b"whsec_test", 1_700_000_000, br#"{"task_id":"t1"}"#), format!("t=1700000000,v1={v1}"));
/// ```
pub fn sign(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest.iter() {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 0x0f)]));
    }
    hex
}

/// The whole header value.
pub fn signature_header(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

/// Why a delivery's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The header is not `t=<seconds>,v1=<hex>[,v1=<hex>...]`.
    #[error("malformed signature header: {0}")]
    Malformed(&'static str),
    /// The timestamp is further than the tolerance from now (a replay, or a skewed clock).
    #[error(
        "signature timestamp {timestamp} is {skew} s from now, more than the {TOLERANCE_SECS} s allowed"
    )]
    Expired {
        /// The header's timestamp.
        timestamp: u64,
        /// How far it is from now, in seconds.
        skew: u64,
    },
    /// No `v1` value matches the body: a wrong secret or a changed body.
    #[error(
        "no signature matches the body: check the webhook secret, and verify the raw body before parsing it"
    )]
    Mismatch,
}

/// Checks a delivery: any `v1` may match (secrets rotate), the timestamp must be within
/// [`TOLERANCE_SECS`] of `now` (unix seconds), and the comparison is constant-time.
///
/// ```
/// use sixtyfour_protocol::signature::{signature_header, verify, SignatureError};
///
/// let body = br#"{"task_id":"t1","status":"completed"}"#;
/// let header = signature_header(b"secret", 1_700_000_000, body);
/// assert_eq!(verify(b"secret", &header, body, 1_700_000_100), Ok(()));
/// assert_eq!(verify(b"other", &header, body, 1_700_000_100), Err(SignatureError::Mismatch));
/// assert!(matches!(verify(b"secret", &header, body, 1_700_001_000), Err(SignatureError::Expired { .. })));
/// ```
pub fn verify(secret: &[u8], header: &str, body: &[u8], now: u64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed("expected key=value pairs"))?;
        match key {
            "t" => {
                let t = value
                    .parse::<u64>()
                    .map_err(|_| SignatureError::Malformed("t is not a unix timestamp"))?;
                timestamp = Some(t);
            }
            "v1" => candidates
                .push(decode_hex(value).ok_or(SignatureError::Malformed("v1 is not hex"))?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed("no t= timestamp"))?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed("no v1= signature"));
    }
    let skew = now.abs_diff(timestamp);
    if skew > TOLERANCE_SECS {
        return Err(SignatureError::Expired { timestamp, skew });
    }
    let expected = mac(secret, timestamp, body);
    let matched = candidates
        .iter()
        .any(|candidate| expected.clone().verify_slice(candidate).is_ok());
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_table() {
        let body = b"{\"a\":1}";
        let good = sign(b"k2", 1000, body);
        let other = sign(b"k1", 1000, body);
        let rows: [(&str, u64, Result<(), SignatureError>); 9] = [
            (&format!("t=1000,v1={good}"), 1000, Ok(())),
            (&format!("t=1000,v1={other},v1={good}"), 1300, Ok(())),
            (&format!("t=1000, v1={good}"), 700, Ok(())),
            (
                &format!("t=1000,v1={good}"),
                1301,
                Err(SignatureError::Expired {
                    timestamp: 1000,
                    skew: 301,
                }),
            ),
            (
                &format!("t=1000,v1={other}"),
                1000,
                Err(SignatureError::Mismatch),
            ),
            (
                &format!("v1={good}"),
                1000,
                Err(SignatureError::Malformed("no t= timestamp")),
            ),
            (
                "t=1000",
                1000,
                Err(SignatureError::Malformed("no v1= signature")),
            ),
            (
                "t=abc,v1=00",
                1000,
                Err(SignatureError::Malformed("t is not a unix timestamp")),
            ),
            (
                "t=1000,v1=zz",
                1000,
                Err(SignatureError::Malformed("v1 is not hex")),
            ),
        ];
        for (header, now, want) in rows {
            assert_eq!(verify(b"k2", header, body, now), want, "{header}");
        }
        assert_eq!(
            verify(b"k2", &format!("t=1000,v1={good}"), b"{\"a\":2}", 1000),
            Err(SignatureError::Mismatch)
        );
    }
}
