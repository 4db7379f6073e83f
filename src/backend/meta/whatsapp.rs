//! WhatsApp business profiles: the configuration's shape (`about`, `address`,
//! `description`, `email`, `vertical`, `websites`, `avatar_url`) and the Cloud API's
//! (`GET`/`POST /{phone-number-id}/whatsapp_business_profile`), both ways.
//!
//! - `vertical` is lower case in the configuration (`prof_services`) and upper case on
//!   the wire (`PROF_SERVICES`).
//! - Clearing follows the emulator's documented reading (dualhook.com; Meta documents
//!   only `vertical`): `""` clears `address`, `description`, `email` and `vertical`, `[]`
//!   clears `websites`. `about` cannot be cleared ("String cannot be empty"): removing
//!   it is refused before anything is sent.
//! - The picture is compared by presence only. Meta answers its own copy
//!   (`profile_picture_url`, re-encoded, on its CDN), never the source, so neither the
//!   URL nor the bytes can be compared with `avatar_url`. A number with a picture reads
//!   as having the configured `avatar_url`; a number without one reads without it, so
//!   the configured picture is uploaded. A changed `avatar_url` on a number that has a
//!   picture is therefore not seen, and no API removes a picture.
//!
//! Source: "Business profiles (business phone numbers) - WhatsApp" (Meta for
//! Developers), as cited in `docs/graph-emulator.md`.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

/// The `fields=` of the one read.
pub const FIELDS_PARAM: &str =
    "about,address,description,email,profile_picture_url,websites,vertical";

/// A business profile in normal form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Business {
    /// `about`
    pub about: Option<String>,
    /// `address`
    pub address: Option<String>,
    /// `description`
    pub description: Option<String>,
    /// `email`
    pub email: Option<String>,
    /// `vertical`, lower case
    pub vertical: Option<String>,
    /// `websites`
    pub websites: Vec<String>,
    /// `avatar_url`: the configured picture, when the number has one
    pub avatar: Option<String>,
}

/// The text fields: configuration key = Graph key.
const TEXTS: [&str; 4] = ["about", "address", "description", "email"];

impl Business {
    fn text(&self, key: &str) -> &Option<String> {
        match key {
            "about" => &self.about,
            "address" => &self.address,
            "description" => &self.description,
            _ => &self.email,
        }
    }

    fn text_mut(&mut self, key: &str) -> &mut Option<String> {
        match key {
            "about" => &mut self.about,
            "address" => &mut self.address,
            "description" => &mut self.description,
            _ => &mut self.email,
        }
    }
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

/// Reads a profile resource's fields. A key WhatsApp does not have is an error.
pub fn from_fields(fields: &IndexMap<String, Value>) -> Result<Business, String> {
    let mut b = Business::default();
    let string = |v: &Value, key: &str| match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(non_empty(Some(s))),
        _ => Err(format!("`{key}` must be a string")),
    };
    for (key, v) in fields {
        match key.as_str() {
            "channel" | "account" => {}
            k if TEXTS.contains(&k) => *b.text_mut(k) = string(v, k)?,
            "vertical" => b.vertical = string(v, key)?.map(|s| s.to_ascii_lowercase()),
            "avatar_url" => b.avatar = string(v, key)?,
            "websites" => {
                b.websites = match v {
                    Value::Null => Vec::new(),
                    Value::Array(a) => a
                        .iter()
                        .enumerate()
                        .map(|(i, w)| {
                            w.as_str()
                                .map(str::to_string)
                                .ok_or_else(|| format!("`websites[{i}]` must be a string"))
                        })
                        .collect::<Result<_, _>>()?,
                    _ => return Err("`websites` must be a list".into()),
                };
                b.websites.retain(|w| !w.is_empty());
            }
            other => {
                return Err(format!(
                    "`{other}` is not a key of whatsapp profiles on Meta"
                ));
            }
        }
    }
    Ok(b)
}

/// The profile as a resource's fields (without `channel` and `account`), in the
/// spec's key order.
pub fn to_fields(b: &Business) -> IndexMap<String, Value> {
    let mut f = IndexMap::new();
    if let Some(a) = &b.about {
        f.insert("about".into(), json!(a));
    }
    if let Some(a) = &b.avatar {
        f.insert("avatar_url".into(), json!(a));
    }
    for key in ["address", "description", "email"] {
        if let Some(v) = b.text(key) {
            f.insert(key.into(), json!(v));
        }
    }
    if let Some(v) = &b.vertical {
        f.insert("vertical".into(), json!(v));
    }
    if !b.websites.is_empty() {
        f.insert("websites".into(), json!(b.websites));
    }
    f
}

/// Reads `data[0]` of a `GET .../whatsapp_business_profile` answer. `configured` is the
/// profile's `avatar_url`, reported when the number has a picture (see the module docs).
pub fn from_graph(raw: &Map<String, Value>, configured: Option<&str>) -> Business {
    let s = |k: &str| non_empty(raw.get(k).and_then(Value::as_str));
    let has_picture = s("profile_picture_url").is_some();
    Business {
        about: s("about"),
        address: s("address"),
        description: s("description"),
        email: s("email"),
        vertical: s("vertical").map(|v| v.to_ascii_lowercase()),
        websites: raw
            .get("websites")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect(),
        avatar: if has_picture {
            configured.map(str::to_string)
        } else {
            None
        },
    }
}

/// What one write sends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Update {
    /// the changed fields as the POST sends them (without `messaging_product` and the
    /// picture handle)
    pub body: Map<String, Value>,
    /// the picture to download and upload first
    pub upload: Option<String>,
}

impl Update {
    /// Whether nothing is to be sent.
    pub fn is_empty(&self) -> bool {
        self.body.is_empty() && self.upload.is_none()
    }
}

/// What turns `live` into `desired`; an error for what WhatsApp cannot do.
pub fn changes(desired: &Business, live: &Business) -> Result<Update, String> {
    let mut u = Update::default();
    for key in TEXTS {
        match (desired.text(key), live.text(key)) {
            (d, l) if d == l => {}
            (Some(d), _) => {
                u.body.insert(key.into(), json!(d));
            }
            (None, Some(_)) if key == "about" => {
                return Err(
                    "WhatsApp cannot clear `about` (Meta: \"String cannot be empty\"): give it a value of 1 to 139 characters instead of removing it".into(),
                );
            }
            (None, _) => {
                u.body.insert(key.into(), json!(""));
            }
        }
    }
    if desired.vertical != live.vertical {
        let wire = desired
            .vertical
            .as_deref()
            .map(str::to_ascii_uppercase)
            .unwrap_or_default();
        u.body.insert("vertical".into(), json!(wire));
    }
    if desired.websites != live.websites {
        u.body.insert("websites".into(), json!(desired.websites));
    }
    match (&desired.avatar, &live.avatar) {
        (d, l) if d == l => {}
        (Some(d), _) => u.upload = Some(d.clone()),
        (None, Some(_)) => {
            return Err(
                "WhatsApp's API has no way to remove a profile picture: keep `avatar_url`, or remove the picture in WhatsApp Manager".into(),
            );
        }
        (None, None) => {}
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields(v: Value) -> IndexMap<String, Value> {
        v.as_object().unwrap().clone().into_iter().collect()
    }

    /// The emulator's (and Meta's documented) reading of a POST on an empty profile.
    fn posted(u: &Update, picture: bool) -> Map<String, Value> {
        let mut raw: Map<String, Value> = u
            .body
            .iter()
            .filter(|(_, v)| *v != &json!("") && *v != &json!([]))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if picture {
            raw.insert(
                "profile_picture_url".into(),
                json!("https://pps.whatsapp.net/v/t61/abc.jpg"),
            );
        }
        raw.insert("messaging_product".into(), json!("whatsapp"));
        raw
    }

    #[test]
    fn both_ways() {
        let d = from_fields(&fields(json!({
            "channel": "whatsapp", "account": "1",
            "about": "Hello", "vertical": "prof_services", "websites": ["https://acme.example"],
            "avatar_url": "https://cdn.example/a.jpg"
        })))
        .unwrap();
        let u = changes(&d, &Business::default()).unwrap();
        assert_eq!(u.body["vertical"], "PROF_SERVICES");
        assert_eq!(u.upload.as_deref(), Some("https://cdn.example/a.jpg"));
        let read = from_graph(&posted(&u, true), d.avatar.as_deref());
        assert_eq!(read, d);
        assert!(changes(&d, &read).unwrap().is_empty());
        // Without a picture on the number, the configured one reads as missing.
        let bare = from_graph(&posted(&u, false), d.avatar.as_deref());
        assert_eq!(bare.avatar, None);
        assert_eq!(changes(&d, &bare).unwrap().upload, d.avatar);
    }

    #[test]
    fn clearing() {
        let live = Business {
            about: Some("Hi".into()),
            address: Some("1 Main St".into()),
            vertical: Some("travel".into()),
            websites: vec!["https://a.example".into()],
            ..Business::default()
        };
        let desired = Business {
            about: Some("Hi".into()),
            ..Business::default()
        };
        let u = changes(&desired, &live).unwrap();
        assert_eq!(
            Value::Object(u.body),
            json!({"address": "", "vertical": "", "websites": []})
        );
        let e = changes(&Business::default(), &live).unwrap_err();
        assert!(e.contains("about"), "{e}");
        let pictured = Business {
            avatar: Some("https://a.example/p.png".into()),
            ..desired.clone()
        };
        assert!(
            changes(&desired, &pictured)
                .unwrap_err()
                .contains("picture")
        );
    }

    #[test]
    fn bad_shapes() {
        assert!(from_fields(&fields(json!({"greeting": "x"}))).is_err());
        assert!(from_fields(&fields(json!({"websites": "x"}))).is_err());
        assert!(from_fields(&fields(json!({"about": 1}))).is_err());
    }

    fn business() -> impl Strategy<Value = IndexMap<String, Value>> {
        let text = || prop::option::of("[A-Za-z0-9 ,.àé]{1,40}");
        (
            text(),
            text(),
            text(),
            prop::option::of("[a-z]{1,8}@[a-z]{1,8}\\.example"),
            prop::option::of(prop::sample::select(vec![
                "travel",
                "prof_services",
                "other",
                "retail",
            ])),
            prop::collection::vec("https://[a-z]{1,8}\\.example/[a-z]{0,5}", 0..=2),
            prop::option::of("https://cdn\\.example/[a-z]{1,8}\\.(jpg|png)"),
        )
            .prop_map(
                |(about, address, description, email, vertical, websites, avatar)| {
                    let mut o = Map::new();
                    o.insert("channel".into(), json!("whatsapp"));
                    o.insert("account".into(), json!("109876543210"));
                    for (k, v) in [
                        ("about", about),
                        ("address", address),
                        ("description", description),
                        ("email", email),
                    ] {
                        if let Some(v) = v {
                            o.insert(k.into(), json!(v));
                        }
                    }
                    if let Some(v) = vertical {
                        o.insert("vertical".into(), json!(v));
                    }
                    if !websites.is_empty() {
                        o.insert("websites".into(), json!(websites));
                    }
                    if let Some(a) = avatar {
                        o.insert("avatar_url".into(), json!(a));
                    }
                    o.into_iter().collect()
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn round_trip(desired in business()) {
            let d = from_fields(&desired).unwrap();
            let u = changes(&d, &Business::default()).unwrap();
            let read = from_graph(&posted(&u, u.upload.is_some()), d.avatar.as_deref());
            let mut expected = desired.clone();
            expected.shift_remove("channel");
            expected.shift_remove("account");
            prop_assert_eq!(to_fields(&read), expected);
            prop_assert!(changes(&d, &read).unwrap().is_empty());
        }
    }
}
