//! Password hashing with argon2id at OWASP's minimum parameters (19 MiB, 2 passes, 1 lane),
//! and the password rules of NCSC guidance: long enough, no composition rules.
//!
//! The 19 MiB of argon2's working memory is a [`Workspace`] that is kept and reused rather
//! than allocated for every hash: the server holds one per hashing turn (see
//! [`super::hashing`]), so the memory that hashing takes is fixed, whatever the allocator
//! would otherwise keep of 19 MiB blocks freed on many threads.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Long enough for any passphrase; short enough that hashing stays cheap for an attacker's input.
pub const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("must be at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("must be at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// The parameters of new hashes. `Params::default()` is the same; spelled out so that they
/// are visible and fixed.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

/// argon2's working memory, kept between hashes. Empty until first used; it grows to the
/// largest parameters it has hashed with (19 MiB for every hash this version makes).
#[derive(Default)]
pub struct Workspace {
    blocks: Vec<Block>,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace::default()
    }

    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.blocks.len() < count {
            self.blocks.resize(count, Block::default());
        }
        &mut self.blocks[..count]
    }
}

/// Hashes `password` with `salt` in the workspace: what `argon2`'s own `hash_password` does,
/// less the allocation of fresh memory each time.
fn hash_with<'s>(
    workspace: &mut Workspace,
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: Salt<'s>,
) -> argon2::password_hash::Result<PasswordHash<'s>> {
    let mut salt_buffer = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buffer)?;
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let hasher = Argon2::new(algorithm, version, params.clone());
    let blocks = workspace.blocks(params.block_count());
    let output = Output::init_with(output_len, |out| {
        Ok(hasher.hash_password_into_with_memory(password, salt_bytes, out, &mut *blocks)?)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt),
        hash: Some(output),
    })
}

/// Checks the length rules only: NCSC advises against composition rules.
pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong);
    }
    Ok(())
}

/// Hashes a password (PHC string, salt included) in `workspace`. CPU-heavy: call off the
/// async executor, within the server's bound on hashes in flight.
pub fn hash_in(workspace: &mut Workspace, password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    hash_with(
        workspace,
        Algorithm::Argon2id,
        Version::V0x13,
        params(),
        password.as_bytes(),
        salt.as_salt(),
    )
    .map(|h| h.to_string())
    .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// Hashes a password with memory of its own (the command line, the demo loader).
pub fn hash(password: &str) -> Result<String, PasswordError> {
    hash_in(&mut Workspace::new(), password)
}

/// True when `password` matches `stored`, checked in `workspace` with the parameters stored
/// with the hash. A malformed stored hash never matches. The comparison of the outputs is in
/// constant time (`password_hash::Output`).
pub fn verify_in(workspace: &mut Workspace, password: &str, stored: &str) -> bool {
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let Ok(version) = parsed.version.map(Version::try_from).transpose() else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    match hash_with(
        workspace,
        algorithm,
        version.unwrap_or_default(),
        params,
        password.as_bytes(),
        salt,
    ) {
        Ok(computed) => computed.hash == Some(expected),
        Err(_) => false,
    }
}

/// Like [`verify_in`], with memory of its own.
pub fn verify(password: &str, stored: &str) -> bool {
    verify_in(&mut Workspace::new(), password, stored)
}

/// Spends the same time as checking a real password, for e-mail addresses nobody has, so
/// that the answer's timing does not tell whether an account exists.
pub fn verify_against_nobody(workspace: &mut Workspace, password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored =
        DUMMY.get_or_init(|| hash("a password that belongs to nobody at all").unwrap_or_default());
    let _ = verify_in(workspace, password, stored);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterY", &a));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn a_reused_workspace_agrees_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        let mut workspace = Workspace::new();
        // Ours, checked by the crate.
        let ours = hash_in(&mut workspace, "correct horse battery").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(reference
            .verify_password(b"correct horse battery", &parsed)
            .is_ok());
        assert!(reference
            .verify_password(b"wrong horse battery", &parsed)
            .is_err());
        // The crate's, checked by ours, in the same (already used) workspace.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = reference
            .hash_password(b"another long passphrase", &salt)
            .unwrap()
            .to_string();
        assert!(verify_in(
            &mut workspace,
            "another long passphrase",
            &theirs
        ));
        assert!(!verify_in(
            &mut workspace,
            "another long passphrasE",
            &theirs
        ));
        // Other stored parameters (a smaller older hash) are honoured, then 19 MiB again.
        let small = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 3, 1, None).unwrap(),
        )
        .hash_password(b"an older passphrase", &salt)
        .unwrap()
        .to_string();
        assert!(verify_in(&mut workspace, "an older passphrase", &small));
        assert!(verify_in(&mut workspace, "correct horse battery", &ours));
        assert!(!verify_in(
            &mut workspace,
            "correct horse battery",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$"
        ));
    }

    #[test]
    fn length_is_the_only_rule() {
        assert!(matches!(
            check_policy("short"),
            Err(PasswordError::TooShort)
        ));
        assert!(check_policy("all lower case words").is_ok());
        assert!(check_policy("ééééééééééé").is_err());
        assert!(check_policy("éééééééééééé").is_ok());
        assert!(matches!(
            check_policy(&"x".repeat(257)),
            Err(PasswordError::TooLong)
        ));
    }
}
