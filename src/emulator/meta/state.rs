//! `--state FILE`: the emulator's profiles and uploaded pictures kept across restarts,
//! in one JSON file written atomically (a temporary file in the same directory, synced,
//! then renamed over the old one) after every change.
//!
//! The file holds, per Page, its Messenger profile and its Instagram account's; per
//! WhatsApp number, its business profile; and the uploaded pictures (hex) with their
//! handles. It never holds a token. Accounts in the file must be in the accounts file;
//! the accounts file's profiles are only the starting point when there is no state file
//! yet. Request counters and rate-limit windows are not kept.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::World;
use super::upload::{ImageType, Picture};

/// The largest state file read (pictures are held in memory up to 64 MiB, twice that
/// in hex).
const MAX_FILE: u64 = 160 * 1024 * 1024;

/// Why the state file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// reading or writing failed
    #[error("state file `{path}`: {source}")]
    Io {
        /// the path
        path: String,
        /// the cause
        source: std::io::Error,
    },
    /// the content is not a state file of these accounts
    #[error("state file `{path}` cannot be used: {message}")]
    Invalid {
        /// the path
        path: String,
        /// what is wrong
        message: String,
    },
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

/// The JSON of the state of `world`.
pub(super) fn render(world: &World) -> Value {
    let pages: Map<String, Value> = world
        .pages
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                json!({
                    "messenger": p.profile,
                    "instagram": p.instagram.as_ref().map(|(_, prof)| prof),
                }),
            )
        })
        .collect();
    let whatsapp: Map<String, Value> = world
        .phones
        .iter()
        .map(|p| (p.id.clone(), Value::Object(p.profile.clone())))
        .collect();
    let (pictures, handles) = world.uploads.export();
    let pictures: Map<String, Value> = pictures
        .into_iter()
        .map(|(id, p)| {
            (
                id.to_string(),
                json!({ "type": p.kind.mime(), "hex": hex(&p.bytes) }),
            )
        })
        .collect();
    let handles: Map<String, Value> = handles
        .into_iter()
        .map(|(h, id)| (h.to_string(), json!(id)))
        .collect();
    json!({
        "format": 1,
        "pages": pages,
        "whatsapp": whatsapp,
        "pictures": pictures,
        "handles": handles,
    })
}

/// Writes the state of `world` to `path`, atomically.
pub(super) fn save(path: &Path, world: &World) -> Result<(), StateError> {
    let io = |source| StateError::Io {
        path: path.display().to_string(),
        source,
    };
    let text = render(world).to_string();
    let tmp = temp_path(path);
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(io)
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Loads `path` into `world` when it exists (a missing file is a first start).
pub(super) fn load(path: &Path, world: &mut World) -> Result<(), StateError> {
    let shown = path.display().to_string();
    let invalid = |message: String| StateError::Invalid {
        path: shown.clone(),
        message,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(StateError::Io {
                path: shown,
                source,
            });
        }
    };
    if !meta.is_file() {
        return Err(invalid("not a regular file".into()));
    }
    if meta.len() > MAX_FILE {
        return Err(invalid("larger than 160 MiB".into()));
    }
    let text = std::fs::read(path).map_err(|source| StateError::Io {
        path: shown.clone(),
        source,
    })?;
    let v: Value = serde_json::from_slice(&text).map_err(|e| invalid(format!("not JSON: {e}")))?;
    if v.get("format") != Some(&json!(1)) {
        return Err(invalid("not a format 1 state file".into()));
    }
    let object = |v: &Value, what: &str| -> Result<Map<String, Value>, StateError> {
        match v {
            Value::Object(m) => Ok(m.clone()),
            Value::Null => Ok(Map::new()),
            _ => Err(invalid(format!("{what} is not an object"))),
        }
    };
    for (id, entry) in object(&v["pages"], "pages")? {
        let page = world
            .pages
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| invalid(format!("page {id} is not in the accounts file")))?;
        page.profile = object(&entry["messenger"], "a Messenger profile")?;
        match (&mut page.instagram, &entry["instagram"]) {
            (_, Value::Null) => {}
            (Some((_, prof)), ig) => *prof = object(ig, "an Instagram profile")?,
            (None, _) => {
                return Err(invalid(format!(
                    "page {id} has no instagram_id in the accounts file"
                )));
            }
        }
    }
    for (id, profile) in object(&v["whatsapp"], "whatsapp")? {
        let phone = world
            .phones
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| invalid(format!("whatsapp number {id} is not in the accounts file")))?;
        phone.profile = object(&profile, "a business profile")?;
    }
    let mut pictures = Vec::new();
    for (id, p) in object(&v["pictures"], "pictures")? {
        let kind = p["type"]
            .as_str()
            .and_then(ImageType::from_mime)
            .ok_or_else(|| invalid(format!("picture {id} has no image type")))?;
        let bytes = p["hex"]
            .as_str()
            .and_then(unhex)
            .ok_or_else(|| invalid(format!("picture {id} is not hex")))?;
        pictures.push((id, Picture { kind, bytes }));
    }
    let mut handles = Vec::new();
    for (h, id) in object(&v["handles"], "handles")? {
        let id = id
            .as_str()
            .ok_or_else(|| invalid(format!("handle {h} names no picture")))?;
        handles.push((h, id.to_string()));
    }
    world.uploads.import(pictures, handles).map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let bytes = [0u8, 1, 0xAB, 0xFF];
        assert_eq!(unhex(&hex(&bytes)).unwrap(), bytes);
        assert!(unhex("abc").is_none());
        assert!(unhex("zz").is_none());
        assert!(unhex("éé").is_none());
    }
}
