//! Access tokens (JWT, HS256, short-lived) and refresh tokens (random, stored hashed).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::people::Role;

/// The signing secret must be at least this long (HS256 wants 256 bits of key).
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user's id.
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    /// A unique id per token, for tracing a token in the logs without logging the token.
    pub jti: String,
    /// The user's session version when issued; raising it ends every token issued before.
    pub sv: i64,
    /// The refresh-token family (one sign-in and its refreshes) the token was issued in:
    /// when that family is revoked (a refresh token presented twice, a password change), its
    /// access tokens are refused at once.
    pub fam: String,
}

/// How far in the future an `iat` may lie, for clocks of server instances that disagree a
/// little. A token is never good for longer than its lifetime plus this.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 60;

/// Keys and lifetimes for issuing and checking tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Keys the anti-forgery tokens of the pages' forms; derived from the signing secret so
    /// that every instance makes and checks the same tokens.
    form_key: [u8; 32],
    pub access_ttl_seconds: i64,
    pub refresh_ttl_seconds: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> TokenKeys {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            form_key: Sha256::new()
                .chain_update(b"coregroup form tokens\0")
                .chain_update(secret)
                .finalize()
                .into(),
            access_ttl_seconds: 15 * 60,
            refresh_ttl_seconds: 12 * 60 * 60,
        }
    }

    /// The anti-forgery token of a form for `binding` (a browser session's family, or the
    /// nonce of a sign-in form): an HMAC, so it cannot be made without the secret.
    pub fn form_token(&self, binding: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.form_mac(binding).finalize().into_bytes())
    }

    /// Whether `presented` is the form token for `binding` (compared in constant time).
    pub fn form_token_matches(&self, binding: &str, presented: &str) -> bool {
        match URL_SAFE_NO_PAD.decode(presented.as_bytes()) {
            Ok(bytes) => self.form_mac(binding).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }

    fn form_mac(&self, binding: &str) -> Hmac<Sha256> {
        // A key shorter than SHA-256's 64-byte block is zero-padded by HMAC itself; padding it
        // here gives the same MAC through the infallible constructor.
        let mut block = [0u8; 64];
        block[..self.form_key.len()].copy_from_slice(&self.form_key);
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
        mac.update(binding.as_bytes());
        mac
    }

    pub fn issue(&self, claims: &AccessClaims) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Checks signature, algorithm (pinned to HS256) and expiry, with no leeway: the same
    /// servers issue and check tokens. A token must also not claim to live longer than the
    /// access lifetime (`exp - iat`), nor to have been issued in the future: a validly signed
    /// token with a long life (a leaked secret, a bug in an older version) is refused.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        let claims =
            jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation)?.claims;
        let now = chrono::Utc::now().timestamp();
        if claims.exp - claims.iat > self.access_ttl_seconds {
            return Err(jsonwebtoken::errors::ErrorKind::InvalidToken.into());
        }
        if claims.iat > now + MAX_CLOCK_SKEW_SECONDS {
            return Err(jsonwebtoken::errors::ErrorKind::ImmatureSignature.into());
        }
        Ok(claims)
    }
}

/// A new random 256-bit secret, URL-safe text.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored in place of a refresh token: its SHA-256, hex. The token has 256 random
/// bits, so a fast hash is enough (no dictionary to guard against).
pub fn refresh_token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new one-time password-reset code: 128 random bits as 26 base32 characters, in groups
/// of four for reading out (`7K2Q-…`).
pub fn reset_code() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let mut value = u128::from_be_bytes(bytes);
    let mut digits = Vec::with_capacity(26);
    for _ in 0..26 {
        digits.push(CROCKFORD[(value & 31) as usize] as char);
        value >>= 5;
    }
    digits.reverse();
    digits
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// What is stored in place of a reset code: the SHA-256 (hex) of the code as typed, less
/// dashes and spaces, in capitals, with the letters people confuse with digits read as those
/// digits. 128 random bits need no slow hash.
pub fn reset_code_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    refresh_token_hash(&normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> AccessClaims {
        AccessClaims {
            sub: "u1".into(),
            role: Role::SocialWorker,
            iat: exp - 900,
            exp,
            jti: "j".into(),
            sv: 0,
            fam: "f".into(),
        }
    }

    #[test]
    fn issued_tokens_verify_and_tampered_ones_do_not() {
        let keys = TokenKeys::new(&[7u8; 32]);
        let now = chrono::Utc::now().timestamp();
        let token = keys.issue(&claims(now + 60)).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), claims(now + 60));
        let other = TokenKeys::new(&[8u8; 32]);
        assert!(other.verify(&token).is_err());
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        parts[1] = URL_SAFE_NO_PAD
            .encode(br#"{"sub":"u2","role":"admin","iat":0,"exp":9999999999,"jti":"j","sv":0}"#);
        assert!(keys.verify(&parts.join(".")).is_err());
    }

    #[test]
    fn expired_tokens_are_refused() {
        let keys = TokenKeys::new(&[7u8; 32]);
        let now = chrono::Utc::now().timestamp();
        let token = keys.issue(&claims(now - 1)).unwrap();
        assert!(keys.verify(&token).is_err());
    }

    #[test]
    fn tokens_that_claim_a_long_life_are_refused() {
        let keys = TokenKeys::new(&[7u8; 32]);
        let now = chrono::Utc::now().timestamp();
        // Exactly the configured lifetime passes.
        let mut c = claims(now + 60);
        c.iat = c.exp - keys.access_ttl_seconds;
        assert!(keys.verify(&keys.issue(&c).unwrap()).is_ok());
        // A second longer, signed with the right key, does not.
        c.iat -= 1;
        assert!(keys.verify(&keys.issue(&c).unwrap()).is_err());
        // A year-long token issued now does not.
        c.iat = now;
        c.exp = now + 365 * 24 * 3600;
        assert!(keys.verify(&keys.issue(&c).unwrap()).is_err());
        // Nor one "issued" in the future, which would outlive the lifetime from now.
        c.iat = now + 3600;
        c.exp = c.iat + 60;
        assert!(keys.verify(&keys.issue(&c).unwrap()).is_err());
    }

    #[test]
    fn other_algorithms_are_refused() {
        // An unsigned token ("alg": "none") must never pass.
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD
            .encode(br#"{"sub":"u1","role":"admin","iat":0,"exp":9999999999,"jti":"j","sv":0}"#);
        let keys = TokenKeys::new(&[7u8; 32]);
        assert!(keys.verify(&format!("{header}.{body}.")).is_err());
    }

    #[test]
    fn secrets_and_hashes() {
        assert_ne!(random_secret(), random_secret());
        assert!(random_secret().len() >= MIN_SECRET_BYTES);
        assert_eq!(refresh_token_hash("abc").len(), 64);
    }

    #[test]
    fn reset_codes_are_long_random_and_forgiving_to_type() {
        let code = reset_code();
        assert_ne!(code, reset_code());
        // 26 base32 characters (128 bits) in groups of four.
        assert_eq!(code.len(), 26 + 6);
        assert!(code
            .chars()
            .all(|c| c == '-' || CROCKFORD.contains(&(c as u8))));
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(reset_code_hash(&typed), reset_code_hash(&code));
        assert_eq!(reset_code_hash("AB0-1"), reset_code_hash("abo i"));
        assert_ne!(reset_code_hash(&code), reset_code_hash(&reset_code()));
    }
}
