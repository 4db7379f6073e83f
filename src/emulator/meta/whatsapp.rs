//! The WhatsApp Cloud API business profile of a phone number.
//!
//! Source: "Business profiles (business phone numbers) - WhatsApp" (WhatsApp Business
//! Platform, updated Jun 16, 2026),
//! <https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/business-profiles>
//! (earlier: <https://developers.facebook.com/docs/whatsapp/cloud-api/reference/business-profiles>):
//! - `GET /{phone-number-id}/whatsapp_business_profile?fields=about,address,description,email,profile_picture_url,websites,vertical`
//!   answers `{"data":[{..., "messaging_product":"whatsapp"}]}`;
//! - `POST` takes `messaging_product` (Required, "Always set it to \"whatsapp\"") and any
//!   of `about` ("String cannot be empty", 1 to 139 characters), `address` ("Character
//!   limit 256"), `description` ("Character limit 512"), `email` ("valid email format",
//!   "Character limit 128"), `profile_picture_handle` (from the Resumable Upload API),
//!   `vertical` ("either an empty string or one of the accepted values") and `websites`
//!   ("maximum of 2 websites with a maximum of 256 characters each", "You must include
//!   the http:// or https:// portion"); it answers `{"success": true}`.
//!
//! Clearing a field is not documented by Meta beyond `vertical` (empty string) and
//! `about` (cannot be empty). The emulator takes the third-party reading (dualhook.com):
//! `""` clears `address`, `description` and `email`, `[]` clears `websites`.

use serde_json::{Map, Value, json};
use url::Url;

use super::errors::GraphError;

/// A business profile: field name to value (`profile_picture` holds the id of an
/// uploaded picture, read back as `profile_picture_url`).
pub type BusinessProfile = Map<String, Value>;

/// The fields `GET` may ask for.
pub const FIELDS: &[&str] = &[
    "about",
    "address",
    "description",
    "email",
    "profile_picture_url",
    "websites",
    "vertical",
];

/// The `vertical` values: the list of the current page, plus `UNDEFINED` and
/// `NOT_A_BIZ`, which the earlier Cloud API reference listed (see
/// `docs/graph-emulator.md`). Upper case on the wire.
pub const VERTICALS: &[&str] = &[
    "ALCOHOL",
    "APPAREL",
    "AUTO",
    "BEAUTY",
    "EDU",
    "ENTERTAIN",
    "EVENT_PLAN",
    "FINANCE",
    "GOVT",
    "GROCERY",
    "HEALTH",
    "HOTEL",
    "NONPROFIT",
    "NOT_A_BIZ",
    "ONLINE_GAMBLING",
    "OTC_DRUGS",
    "OTHER",
    "PHYSICAL_GAMBLING",
    "PROF_SERVICES",
    "RESTAURANT",
    "RETAIL",
    "TRAVEL",
    "UNDEFINED",
];

/// The key under which a profile keeps the id of its uploaded picture.
pub const PICTURE_KEY: &str = "profile_picture";

/// Answers `GET`: the requested fields that are set, and `messaging_product`.
/// `picture_url` turns a stored picture id into the URL the emulator serves it at.
pub fn read(
    profile: &BusinessProfile,
    fields: &[String],
    picture_url: &dyn Fn(&str) -> String,
) -> Result<Value, GraphError> {
    for f in fields {
        if !FIELDS.contains(&f.as_str()) {
            return Err(GraphError::nonexisting_field(f, "WhatsAppBusinessProfile"));
        }
    }
    let mut out = Map::new();
    for f in fields {
        if f == "profile_picture_url" {
            if let Some(id) = profile.get(PICTURE_KEY).and_then(Value::as_str) {
                out.insert(f.clone(), json!(picture_url(id)));
            } else if let Some(url) = profile.get("profile_picture_url") {
                out.insert(f.clone(), url.clone());
            }
        } else if let Some(v) = profile.get(f) {
            out.insert(f.clone(), v.clone());
        }
    }
    out.insert("messaging_product".into(), json!("whatsapp"));
    Ok(json!({ "data": [out] }))
}

/// What a `POST` asks, once validated: fields to set, fields to clear, and the picture
/// handle to resolve (the caller owns the uploads).
#[derive(Debug, Default, PartialEq)]
pub struct Update {
    /// fields set to these values
    pub set: Map<String, Value>,
    /// fields cleared (`""` or `[]`)
    pub clear: Vec<String>,
    /// the `profile_picture_handle`, if any
    pub picture_handle: Option<String>,
}

fn param(name: &str, rule: &str) -> GraphError {
    GraphError::invalid_param(format!("Param {name} {rule}"))
}

fn string<'a>(v: &'a Value, name: &str) -> Result<&'a str, GraphError> {
    v.as_str().ok_or_else(|| param(name, "must be a string"))
}

fn at_most(s: &str, name: &str, max: usize) -> Result<(), GraphError> {
    if s.chars().count() > max {
        return Err(param(
            name,
            &format!("must be at most {max} characters long"),
        ));
    }
    Ok(())
}

/// Validates a `POST` body.
pub fn parse_update(body: &Map<String, Value>) -> Result<Update, GraphError> {
    match body.get("messaging_product") {
        None => {
            return Err(GraphError::invalid_param(
                "The parameter messaging_product is required.",
            ));
        }
        Some(Value::String(s)) if s == "whatsapp" => {}
        Some(other) => {
            return Err(param(
                "messaging_product",
                &format!("must be one of {{WHATSAPP}} - got {other}"),
            ));
        }
    }
    let mut update = Update::default();
    for (name, value) in body {
        match name.as_str() {
            "messaging_product" => {}
            "about" => {
                let s = string(value, name)?;
                if s.is_empty() {
                    return Err(param(
                        name,
                        "cannot be empty: it must be between 1 and 139 characters",
                    ));
                }
                at_most(s, name, 139)?;
                update.set.insert(name.clone(), value.clone());
            }
            "address" | "description" | "email" => {
                let s = string(value, name)?;
                let max = match name.as_str() {
                    "address" => 256,
                    "description" => 512,
                    _ => 128,
                };
                at_most(s, name, max)?;
                if s.is_empty() {
                    update.clear.push(name.clone());
                } else {
                    if name == "email" && !valid_email(s) {
                        return Err(param(name, "must be a valid email address"));
                    }
                    update.set.insert(name.clone(), value.clone());
                }
            }
            "vertical" => {
                let s = string(value, name)?;
                if s.is_empty() {
                    update.clear.push(name.clone());
                } else if VERTICALS.contains(&s) {
                    update.set.insert(name.clone(), value.clone());
                } else {
                    return Err(param(
                        name,
                        &format!(
                            "must be an empty string or one of {{{}}} - got \"{s}\"",
                            VERTICALS.join(", ")
                        ),
                    ));
                }
            }
            "websites" => {
                let list = value
                    .as_array()
                    .ok_or_else(|| param(name, "must be an array of strings"))?;
                if list.len() > 2 {
                    return Err(param(name, "can have at most 2 websites"));
                }
                for (i, w) in list.iter().enumerate() {
                    let item = format!("websites[{i}]");
                    let s = string(w, &item)?;
                    at_most(s, &item, 256)?;
                    if !(s.starts_with("http://") || s.starts_with("https://"))
                        || Url::parse(s)
                            .ok()
                            .and_then(|u| u.host_str().map(str::to_owned))
                            .is_none()
                    {
                        return Err(param(
                            &item,
                            "must be a URL that includes http:// or https://",
                        ));
                    }
                }
                if list.is_empty() {
                    update.clear.push(name.clone());
                } else {
                    update.set.insert(name.clone(), value.clone());
                }
            }
            "profile_picture_handle" => {
                let s = string(value, name)?;
                if s.is_empty() {
                    return Err(param(
                        name,
                        "must be a handle from the Resumable Upload API",
                    ));
                }
                update.picture_handle = Some(s.to_string());
            }
            "profile_picture_url" => {
                return Err(param(
                    name,
                    "can only be read; set the picture with profile_picture_handle",
                ));
            }
            other => return Err(param(other, "is not a business profile field")),
        }
    }
    Ok(update)
}

/// Applies a validated update; `picture` is the id of the uploaded picture the handle
/// resolved to.
pub fn apply(profile: &mut BusinessProfile, update: Update, picture: Option<String>) {
    for name in update.clear {
        profile.remove(&name);
    }
    for (name, value) in update.set {
        profile.insert(name, value);
    }
    if let Some(id) = picture {
        profile.remove("profile_picture_url");
        profile.insert(PICTURE_KEY.into(), json!(id));
    }
}

/// A profile given in the accounts file: the update fields, plus an optional read-only
/// `profile_picture_url`.
pub fn validate_initial(value: &Value) -> Result<BusinessProfile, GraphError> {
    let Some(obj) = value.as_object() else {
        return Err(GraphError::invalid_param(
            "a business profile is a JSON object",
        ));
    };
    let mut body = obj.clone();
    let url = body.remove("profile_picture_url");
    if body.contains_key("profile_picture_handle") {
        return Err(param(
            "profile_picture_handle",
            "cannot be given in the accounts file (use profile_picture_url)",
        ));
    }
    body.insert("messaging_product".into(), json!("whatsapp"));
    let update = parse_update(&body)?;
    let mut profile = BusinessProfile::new();
    apply(&mut profile, update, None);
    if let Some(url) = url {
        string(&url, "profile_picture_url")?;
        profile.insert("profile_picture_url".into(), url);
    }
    Ok(profile)
}

/// A plain `local@domain.tld` address, without spaces.
fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn rules() {
        assert!(parse_update(&body(json!({"about": "x"}))).is_err());
        assert!(parse_update(&body(json!({"messaging_product": "sms"}))).is_err());
        let ok = parse_update(&body(
            json!({"messaging_product": "whatsapp", "about": "a".repeat(139)}),
        ))
        .unwrap();
        assert_eq!(ok.set.len(), 1);
        assert!(
            parse_update(&body(
                json!({"messaging_product": "whatsapp", "about": "a".repeat(140)})
            ))
            .is_err()
        );
        assert!(
            parse_update(&body(json!({"messaging_product": "whatsapp", "about": ""}))).is_err()
        );
        assert!(
            parse_update(&body(
                json!({"messaging_product": "whatsapp", "description": "d".repeat(512)})
            ))
            .is_ok()
        );
        assert!(
            parse_update(&body(
                json!({"messaging_product": "whatsapp", "description": "d".repeat(513)})
            ))
            .is_err()
        );
        assert!(
            parse_update(&body(
                json!({"messaging_product": "whatsapp", "email": "a@b"})
            ))
            .is_err()
        );
        assert!(
            parse_update(&body(
                json!({"messaging_product": "whatsapp", "email": "care@acme.example"})
            ))
            .is_ok()
        );
        assert!(
            parse_update(&body(
                json!({"messaging_product": "whatsapp", "vertical": "travel"})
            ))
            .is_err()
        );
        assert!(
            parse_update(&body(
                json!({"messaging_product": "whatsapp", "websites": ["www.acme.example"]})
            ))
            .is_err()
        );
        assert!(parse_update(&body(json!({"messaging_product": "whatsapp", "websites": ["https://a.example", "https://b.example", "https://c.example"]}))).is_err());
        let clear = parse_update(&body(
            json!({"messaging_product": "whatsapp", "websites": [], "address": "", "vertical": ""}),
        ))
        .unwrap();
        assert_eq!(clear.clear, vec!["websites", "address", "vertical"]);
    }

    #[test]
    fn read_back() {
        let mut p = validate_initial(&json!({"about": "Hello", "vertical": "TRAVEL"})).unwrap();
        let f: Vec<String> = FIELDS.iter().map(|s| s.to_string()).collect();
        let r = read(&p, &f, &|id| format!("http://x/{id}")).unwrap();
        assert_eq!(
            r,
            json!({"data": [{"about": "Hello", "vertical": "TRAVEL", "messaging_product": "whatsapp"}]})
        );
        apply(&mut p, Update::default(), Some("pic1".into()));
        let r = read(&p, &["profile_picture_url".to_string()], &|id| {
            format!("http://x/{id}")
        })
        .unwrap();
        assert_eq!(r["data"][0]["profile_picture_url"], "http://x/pic1");
    }
}
