//! The Resumable Upload API, for WhatsApp profile pictures.
//!
//! Source: "Upload a file" / "Resumable Upload API" (Graph API),
//! <https://developers.facebook.com/docs/graph-api/guides/upload>, and "Application
//! Uploads" (<https://developers.facebook.com/docs/graph-api/reference/application/uploads/>):
//! 1. `POST /{app-id}/uploads?file_length=&file_type=` (and `file_name`, listed as required
//!    on the newer page, optional on the reference) answers `{"id": "upload:<SESSION>"}`;
//!    `file_type` is one of `application/pdf`, `image/jpeg`, `image/jpg`, `image/png`,
//!    `video/mp4`.
//! 2. `POST /upload:<SESSION>` with `Authorization: OAuth <token>` ("You must include the
//!    access token in the header or the call will fail"), `file_offset: 0` and the bytes
//!    answers `{"h": "<HANDLE>"}`.
//! 3. `GET /upload:<SESSION>` answers `{"id", "file_offset"}`, to resume an interrupted
//!    upload from that offset.
//!
//! The handle is what `profile_picture_handle` takes. WhatsApp profile pictures are
//! JPEG or PNG of at most 5 MB ("Profile photo", On-Premises API,
//! <https://developers.facebook.com/docs/whatsapp/api/settings/profile/photo>); this
//! emulator holds uploads in memory and only takes those (the PDF and MP4 types the
//! Upload API also takes are refused with a message saying so).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::errors::GraphError;

/// The largest file the emulator takes: 5 MB (5 × 1024 × 1024 bytes).
pub const MAX_FILE: u64 = 5 * 1024 * 1024;

/// The most sessions kept at once; the oldest goes first (the handle of a finished one
/// stays valid).
const MAX_SESSIONS: usize = 64;

/// The most bytes held at once, in unfinished sessions and pictures together: the
/// emulator keeps everything in memory, so this bounds it.
pub const MAX_HELD: usize = 64 * 1024 * 1024;

/// An image type a profile picture may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    /// `image/jpeg` (or `image/jpg`)
    Jpeg,
    /// `image/png`
    Png,
}

impl ImageType {
    /// The type of a MIME type name, as `file_type` takes it.
    pub fn from_mime(mime: &str) -> Option<ImageType> {
        match mime {
            "image/jpeg" | "image/jpg" => Some(ImageType::Jpeg),
            "image/png" => Some(ImageType::Png),
            _ => None,
        }
    }

    /// The MIME type served back.
    pub fn mime(self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
        }
    }

    /// Whether `bytes` start with this type's magic number.
    pub fn matches(self, bytes: &[u8]) -> bool {
        match self {
            ImageType::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
            ImageType::Png => bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        }
    }
}

/// An uploaded picture, served at `/__emulator/pictures/<id>`.
#[derive(Debug, Clone)]
pub struct Picture {
    /// its type
    pub kind: ImageType,
    /// its bytes
    pub bytes: Vec<u8>,
}

#[derive(Debug)]
struct Session {
    length: u64,
    kind: ImageType,
    data: Vec<u8>,
    handle: Option<String>,
    serial: u64,
}

/// Finished uploads, sorted: pictures by id, and the handle → picture id pairs.
pub type Finished<'a> = (Vec<(&'a str, &'a Picture)>, Vec<(&'a str, &'a str)>);

/// Upload sessions and the files they produced.
#[derive(Debug, Default)]
pub struct Uploads {
    sessions: HashMap<String, Session>,
    /// handle → picture id
    handles: HashMap<String, String>,
    /// picture id → picture
    pictures: HashMap<String, Picture>,
    serial: u64,
    /// bytes in unfinished sessions and pictures
    held: usize,
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

impl Uploads {
    /// Step 1: starts a session from the query parameters.
    pub fn start(&mut self, params: &[(String, String)]) -> Result<Value, GraphError> {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let length = get("file_length")
            .ok_or_else(|| GraphError::invalid_param("The parameter file_length is required"))?
            .parse::<u64>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                GraphError::invalid_param("Param file_length must be a positive integer")
            })?;
        let kind = match get("file_type") {
            None => {
                return Err(GraphError::invalid_param(
                    "The parameter file_type is required",
                ));
            }
            Some("image/jpeg" | "image/jpg") => ImageType::Jpeg,
            Some("image/png") => ImageType::Png,
            Some("application/pdf" | "video/mp4") => {
                return Err(GraphError::invalid_param(
                    "Param file_type: this emulator takes only profile pictures (image/jpeg, image/png)",
                ));
            }
            Some(other) => {
                return Err(GraphError::invalid_param(format!(
                    "Param file_type must be one of {{application/pdf, image/jpeg, image/jpg, image/png, video/mp4}} - got \"{other}\""
                )));
            }
        };
        if length > MAX_FILE {
            return Err(GraphError::invalid_param(format!(
                "Param file_length: a profile picture is at most {MAX_FILE} bytes (5 MB)"
            )));
        }
        if self.sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = self
                .sessions
                .iter()
                .min_by_key(|(_, s)| s.serial)
                .map(|(k, _)| k.clone())
            && let Some(old) = self.sessions.remove(&oldest)
        {
            self.held -= old.data.len();
        }
        self.serial += 1;
        let id = format!("upload:{}", random_hex(16));
        self.sessions.insert(
            id.clone(),
            Session {
                length,
                kind,
                data: Vec::new(),
                handle: None,
                serial: self.serial,
            },
        );
        Ok(json!({ "id": id }))
    }

    /// Whether a session exists.
    pub fn exists(&self, id: &str) -> bool {
        self.sessions.contains_key(id)
    }

    /// Step 3: where an interrupted upload resumes.
    pub fn status(&self, id: &str) -> Option<Value> {
        self.sessions
            .get(id)
            .map(|s| json!({ "id": id, "file_offset": s.data.len() }))
    }

    /// Step 2: appends `bytes` at `offset`; answers the handle once the file is whole.
    pub fn transfer(
        &mut self,
        id: &str,
        offset: Option<&str>,
        bytes: &[u8],
    ) -> Result<Value, GraphError> {
        let s = self
            .sessions
            .get_mut(id)
            .ok_or_else(|| GraphError::unsupported("POST", id))?;
        if let Some(h) = &s.handle {
            return Ok(json!({ "h": h }));
        }
        let offset: usize = offset
            .ok_or_else(|| GraphError::invalid_param("The file_offset header is required"))?
            .trim()
            .parse()
            .map_err(|_| {
                GraphError::invalid_param("The file_offset header must be a number of bytes")
            })?;
        if offset != s.data.len() {
            return Err(GraphError::invalid_param(format!(
                "The file_offset header must be {} (the bytes received so far) - got {offset}",
                s.data.len()
            )));
        }
        if (s.data.len() + bytes.len()) as u64 > s.length {
            return Err(GraphError::invalid_param(format!(
                "The file is longer than the file_length of the session ({} bytes)",
                s.length
            )));
        }
        if self.held + bytes.len() > MAX_HELD {
            return Err(GraphError::invalid_param(format!(
                "The emulator holds at most {MAX_HELD} bytes of uploads in memory; restart it to upload more"
            )));
        }
        self.held += bytes.len();
        s.data.extend_from_slice(bytes);
        if (s.data.len() as u64) < s.length {
            return Ok(json!({ "id": id, "file_offset": s.data.len() }));
        }
        if !s.kind.matches(&s.data) {
            let kind = s.kind;
            self.held -= s.data.len();
            s.data.clear();
            return Err(GraphError::invalid_param(format!(
                "The uploaded bytes are not a {} file (file_type of the session)",
                kind.mime()
            )));
        }
        let handle = format!("4:{}", random_hex(24));
        let picture = random_hex(12);
        s.handle = Some(handle.clone());
        self.pictures.insert(
            picture.clone(),
            Picture {
                kind: s.kind,
                bytes: std::mem::take(&mut s.data),
            },
        );
        self.handles.insert(handle.clone(), picture);
        Ok(json!({ "h": handle }))
    }

    /// The finished uploads (pictures and the handles naming them), for the state file.
    pub fn export(&self) -> Finished<'_> {
        let mut pictures: Vec<(&str, &Picture)> =
            self.pictures.iter().map(|(k, v)| (k.as_str(), v)).collect();
        pictures.sort_by_key(|(k, _)| *k);
        let mut handles: Vec<(&str, &str)> = self
            .handles
            .iter()
            .map(|(h, p)| (h.as_str(), p.as_str()))
            .collect();
        handles.sort();
        (pictures, handles)
    }

    /// Restores finished uploads from the state file; refuses more than the emulator
    /// holds, and handles that name no picture.
    pub fn import(
        &mut self,
        pictures: Vec<(String, Picture)>,
        handles: Vec<(String, String)>,
    ) -> Result<(), String> {
        for (id, p) in pictures {
            if p.bytes.len() as u64 > MAX_FILE || self.held + p.bytes.len() > MAX_HELD {
                return Err(format!("picture {id} is over the emulator's limits"));
            }
            if !p.kind.matches(&p.bytes) {
                return Err(format!("picture {id} is not a {} file", p.kind.mime()));
            }
            self.held += p.bytes.len();
            self.pictures.insert(id, p);
        }
        for (h, id) in handles {
            if !self.pictures.contains_key(&id) {
                return Err(format!("handle {h} names no picture"));
            }
            self.handles.insert(h, id);
        }
        Ok(())
    }

    /// The picture id a handle names.
    pub fn resolve(&self, handle: &str) -> Option<&str> {
        self.handles.get(handle).map(String::as_str)
    }

    /// A picture by id.
    pub fn picture(&self, id: &str) -> Option<&Picture> {
        self.pictures.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn flow_and_refusals() {
        let mut u = Uploads::default();
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2];
        let id = u
            .start(&params(&[
                ("file_length", "10"),
                ("file_type", "image/png"),
            ]))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(id.starts_with("upload:"));
        let part = u.transfer(&id, Some("0"), &png[..4]).unwrap();
        assert_eq!(part["file_offset"], 4);
        assert!(
            u.transfer(&id, Some("0"), &png[4..]).is_err(),
            "offset must match"
        );
        let h = u.transfer(&id, Some("4"), &png[4..]).unwrap()["h"]
            .as_str()
            .unwrap()
            .to_string();
        let pic = u.resolve(&h).unwrap().to_string();
        assert_eq!(u.picture(&pic).unwrap().bytes, png);
        // A JPEG session that receives PNG bytes is refused.
        let id = u
            .start(&params(&[
                ("file_length", "10"),
                ("file_type", "image/jpeg"),
            ]))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(u.transfer(&id, Some("0"), &png).is_err());
        assert!(
            u.start(&params(&[
                ("file_length", "6000000"),
                ("file_type", "image/png")
            ]))
            .is_err()
        );
        assert!(
            u.start(&params(&[
                ("file_length", "10"),
                ("file_type", "image/gif")
            ]))
            .is_err()
        );
        assert!(u.start(&params(&[("file_type", "image/png")])).is_err());
    }

    #[test]
    fn memory_is_bounded() {
        let mut u = Uploads::default();
        let chunk = vec![0xFF; 1024 * 1024];
        let mut refused = false;
        for _ in 0..(MAX_HELD / (4 * 1024 * 1024) + 2) {
            let id = u
                .start(&params(&[
                    ("file_length", "5242880"),
                    ("file_type", "image/jpeg"),
                ]))
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string();
            for i in 0..4 {
                if u.transfer(&id, Some(&(i * chunk.len()).to_string()), &chunk)
                    .is_err()
                {
                    refused = true;
                }
            }
        }
        assert!(refused, "more than MAX_HELD bytes were taken");
        assert!(u.held <= MAX_HELD);
        // Evicting unfinished sessions gives their bytes back.
        for _ in 0..MAX_SESSIONS {
            u.start(&params(&[
                ("file_length", "10"),
                ("file_type", "image/png"),
            ]))
            .unwrap();
        }
        assert_eq!(u.held, 0);
    }
}
