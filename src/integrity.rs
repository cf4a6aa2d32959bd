//! An integrity tag over a run's saved state, so that `resume` notices a run.json that code run as
//! a check (or anyone but l2mac) rewrote, e.g. to send requests with the key to another host or
//! to replace the checks with `echo`.
//!
//! The tag is HMAC-SHA256 keyed by a random key in the user's data folder
//! (`~/.local/share/l2mac/state.key`, mode 0600), which the sandbox never shows to a check.

use std::io::Write;
use std::path::PathBuf;

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Debug, thiserror::Error)]
pub enum IntegrityError {
    #[error("no place for l2mac's state key: set HOME or XDG_DATA_HOME")]
    NoDataDir,
    #[error("cannot read or create the state key {path}: {source}")]
    Key {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where the key lives; `L2MAC_STATE_KEY` names another file.
pub fn key_path() -> Result<PathBuf, IntegrityError> {
    if let Some(p) = std::env::var_os("L2MAC_STATE_KEY") {
        return Ok(PathBuf::from(p));
    }
    dirs::data_dir()
        .map(|d| d.join("l2mac").join("state.key"))
        .ok_or(IntegrityError::NoDataDir)
}

fn key() -> Result<Vec<u8>, IntegrityError> {
    let path = key_path()?;
    let err = |source| IntegrityError::Key {
        path: path.clone(),
        source,
    };
    match std::fs::read(&path) {
        Ok(k) if k.len() >= 32 => return Ok(k),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let key: [u8; 32] = rand::random();
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(mut f) => {
            f.write_all(hex.as_bytes()).map_err(err)?;
            Ok(hex.into_bytes())
        }
        // Another l2mac made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::read(&path).map_err(err)
        }
        Err(e) => Err(err(e)),
    }
}

/// The tag of `bytes`, in hex.
pub fn tag(bytes: &[u8]) -> Result<String, IntegrityError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key()?).map_err(|e| IntegrityError::Key {
        path: key_path().unwrap_or_default(),
        source: std::io::Error::other(e.to_string()),
    })?;
    mac.update(bytes);
    Ok(mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// True when `tag_hex` is the tag of `bytes` (compared in constant time).
pub fn verify(bytes: &[u8], tag_hex: &str) -> Result<bool, IntegrityError> {
    let expected = tag(bytes)?;
    let a = expected.as_bytes();
    let b = tag_hex.trim().as_bytes();
    Ok(a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_byte_fails_the_tag() {
        let dir = tempfile::tempdir().expect("tmp");
        std::env::set_var("L2MAC_STATE_KEY", dir.path().join("k"));
        let t = tag(b"{\"base_url\": \"http://a\"}").expect("tag");
        assert!(verify(b"{\"base_url\": \"http://a\"}", &t).expect("verify"));
        assert!(!verify(b"{\"base_url\": \"http://b\"}", &t).expect("verify"));
        assert!(!verify(b"{\"base_url\": \"http://a\"}", "00").expect("verify"));
    }
}
