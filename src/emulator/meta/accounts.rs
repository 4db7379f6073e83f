//! The accounts file: the app, the Facebook Pages (with their linked Instagram
//! accounts) and the WhatsApp phone numbers the emulator stands in for, each with the
//! environment variable that holds the token it accepts.
//!
//! Tokens are read once, at start, and kept only as SHA-256 hashes: they are never
//! printed, logged or written anywhere.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::messenger::{self, Platform, Profile};
use super::whatsapp::{self, BusinessProfile};
use crate::model::sha256_hex;

/// The largest accounts file read.
const MAX_FILE: u64 = 4 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    app_id: String,
    #[serde(default)]
    app_name: Option<String>,
    #[serde(default)]
    pages: Vec<PageEntry>,
    #[serde(default)]
    whatsapp: Vec<WhatsappEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageEntry {
    id: String,
    name: String,
    token_env: String,
    #[serde(default)]
    instagram_id: Option<String>,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    instagram_profile: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhatsappEntry {
    id: String,
    verified_name: String,
    token_env: String,
    #[serde(default)]
    profile: Option<String>,
}

/// A Facebook Page.
#[derive(Debug, Clone)]
pub struct Page {
    /// the Page id
    pub id: String,
    /// its name
    pub name: String,
    /// the hash of the Page access token it accepts
    pub token_hash: String,
    /// the linked Instagram account, with its profile
    pub instagram: Option<(String, Profile)>,
    /// the Messenger profile before any call
    pub profile: Profile,
}

/// A WhatsApp phone number.
#[derive(Debug, Clone)]
pub struct PhoneNumber {
    /// the phone number id
    pub id: String,
    /// its verified business name
    pub verified_name: String,
    /// the hash of the token it accepts
    pub token_hash: String,
    /// the business profile before any call
    pub profile: BusinessProfile,
}

/// Everything the accounts file declares.
#[derive(Debug, Clone)]
pub struct Accounts {
    /// the app id that `GET /app` answers and uploads go to
    pub app_id: String,
    /// the app's name
    pub app_name: String,
    /// the Pages
    pub pages: Vec<Page>,
    /// the WhatsApp phone numbers
    pub phone_numbers: Vec<PhoneNumber>,
}

/// Why the accounts file cannot be used. Messages never hold a token.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// the file could not be read
    #[error("cannot read the accounts file `{path}`: {source}")]
    Read {
        /// the path
        path: String,
        /// the cause
        source: std::io::Error,
    },
    /// the file is larger than the emulator reads
    #[error("the accounts file `{0}` is larger than 4 MiB")]
    TooLarge(String),
    /// not valid TOML or not the expected keys
    #[error("the accounts file `{path}` is not valid: {message}")]
    Syntax {
        /// the path
        path: String,
        /// what is wrong, as TOML reports it
        message: String,
    },
    /// a variable named by `token_env` is not set
    #[error("the environment variable `{var}` (token_env of {account}) is not set")]
    TokenUnset {
        /// the variable
        var: String,
        /// which account names it
        account: String,
    },
    /// anything else wrong with one account
    #[error("{account}: {message}")]
    Invalid {
        /// which account
        account: String,
        /// what is wrong
        message: String,
    },
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_digit())
}

impl Accounts {
    /// Reads the accounts file; `env` looks up the token variables.
    pub fn load(
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Accounts, AccountsError> {
        let shown = path.display().to_string();
        let read_err = |source| AccountsError::Read {
            path: shown.clone(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read_err)?;
        if !meta.is_file() {
            return Err(AccountsError::Read {
                path: shown.clone(),
                source: std::io::Error::other("not a regular file"),
            });
        }
        if meta.len() > MAX_FILE {
            return Err(AccountsError::TooLarge(shown));
        }
        let text = std::fs::read_to_string(path).map_err(read_err)?;
        Accounts::parse(&text, &shown, env)
    }

    /// Parses the text of an accounts file; `shown` names it in errors.
    pub fn parse(
        text: &str,
        shown: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Accounts, AccountsError> {
        let file: File = toml::from_str(text).map_err(|e| AccountsError::Syntax {
            path: shown.to_string(),
            message: e.message().to_string(),
        })?;
        let invalid =
            |account: String, message: String| AccountsError::Invalid { account, message };
        if !digits(&file.app_id) {
            return Err(invalid("app_id".into(), "must be digits".into()));
        }
        let mut ids: HashSet<String> = HashSet::from([file.app_id.clone()]);
        let mut unique = |id: &str, account: &str| {
            if ids.insert(id.to_string()) {
                Ok(())
            } else {
                Err(invalid(
                    account.to_string(),
                    format!("the id {id} is used twice"),
                ))
            }
        };
        // token hash -> the accounts that accept it, to refuse two Pages sharing a token:
        // a Page token's `/me` is that one Page.
        let mut owners: HashMap<String, Vec<(bool, String)>> = HashMap::new();
        let token = |var: &str, account: &str| -> Result<String, AccountsError> {
            if var.is_empty() {
                return Err(invalid(account.to_string(), "token_env is empty".into()));
            }
            match env(var) {
                Some(t) if !t.is_empty() => Ok(sha256_hex(t.as_bytes())),
                _ => Err(AccountsError::TokenUnset {
                    var: var.to_string(),
                    account: account.to_string(),
                }),
            }
        };
        let mut pages = Vec::new();
        for p in file.pages {
            let account = format!("page {}", p.id);
            if !digits(&p.id) {
                return Err(invalid(account, "the Page id must be digits".into()));
            }
            unique(&p.id, &account)?;
            let token_hash = token(&p.token_env, &account)?;
            owners
                .entry(token_hash.clone())
                .or_default()
                .push((true, account.clone()));
            let profile = initial_messenger(p.profile.as_deref(), Platform::Messenger, &account)?;
            let instagram = match p.instagram_id {
                Some(ig) => {
                    let ig_account = format!("instagram account {ig}");
                    if !digits(&ig) {
                        return Err(invalid(
                            ig_account,
                            "the Instagram id must be digits".into(),
                        ));
                    }
                    unique(&ig, &ig_account)?;
                    let ig_profile = initial_messenger(
                        p.instagram_profile.as_deref(),
                        Platform::Instagram,
                        &ig_account,
                    )?;
                    Some((ig, ig_profile))
                }
                None if p.instagram_profile.is_some() => {
                    return Err(invalid(
                        account,
                        "instagram_profile needs instagram_id".into(),
                    ));
                }
                None => None,
            };
            pages.push(Page {
                id: p.id,
                name: p.name,
                token_hash,
                instagram,
                profile,
            });
        }
        let mut phone_numbers = Vec::new();
        for w in file.whatsapp {
            let account = format!("whatsapp number {}", w.id);
            if !digits(&w.id) {
                return Err(invalid(
                    account,
                    "the phone number id must be digits".into(),
                ));
            }
            unique(&w.id, &account)?;
            let token_hash = token(&w.token_env, &account)?;
            owners
                .entry(token_hash.clone())
                .or_default()
                .push((false, account.clone()));
            let profile = match w.profile.as_deref() {
                None => BusinessProfile::new(),
                Some(text) => {
                    let value: Value = serde_json::from_str(text).map_err(|e| {
                        invalid(account.clone(), format!("profile is not JSON: {e}"))
                    })?;
                    whatsapp::validate_initial(&value)
                        .map_err(|e| invalid(account.clone(), format!("profile: {}", e.message)))?
                }
            };
            phone_numbers.push(PhoneNumber {
                id: w.id,
                verified_name: w.verified_name,
                token_hash,
                profile,
            });
        }
        for holders in owners.values() {
            let pages: Vec<&str> = holders
                .iter()
                .filter(|(is_page, _)| *is_page)
                .map(|(_, n)| n.as_str())
                .collect();
            if pages.len() > 1 {
                return Err(invalid(
                    pages.join(", "),
                    "share one token; a Page token's /me is one Page, so each Page needs its own"
                        .into(),
                ));
            }
        }
        Ok(Accounts {
            app_id: file.app_id,
            app_name: file
                .app_name
                .unwrap_or_else(|| "socialform emulator".into()),
            pages,
            phone_numbers,
        })
    }
}

fn initial_messenger(
    text: Option<&str>,
    platform: Platform,
    account: &str,
) -> Result<Profile, AccountsError> {
    let Some(text) = text else {
        return Ok(Profile::new());
    };
    let invalid = |message: String| AccountsError::Invalid {
        account: account.to_string(),
        message,
    };
    let value: Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("profile is not JSON: {e}")))?;
    messenger::validate_initial(&value, platform)
        .map_err(|e| invalid(format!("profile: {}", e.message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(var: &str) -> Option<String> {
        match var {
            "A" => Some("token-a".into()),
            "B" => Some("token-b".into()),
            _ => None,
        }
    }

    #[test]
    fn parses_and_refuses() {
        let ok = r#"
app_id = "900000000000001"
[[pages]]
id = "1"
name = "P"
token_env = "A"
instagram_id = "2"
profile = '{"greeting":[{"locale":"default","text":"Hi"}]}'
[[whatsapp]]
id = "3"
verified_name = "W"
token_env = "B"
profile = '{"about":"Hello","vertical":"TRAVEL"}'
"#;
        let a = Accounts::parse(ok, "f", &env).unwrap();
        assert_eq!(a.pages[0].token_hash, sha256_hex(b"token-a"));
        assert_eq!(a.pages[0].instagram.as_ref().unwrap().0, "2");
        assert_eq!(a.phone_numbers[0].profile["vertical"], "TRAVEL");
        let unset = ok.replace("token_env = \"B\"", "token_env = \"NOPE\"");
        let e = Accounts::parse(&unset, "f", &env).unwrap_err().to_string();
        assert!(e.contains("`NOPE`"), "{e}");
        // A Page and a WhatsApp number may share a token; two Pages may not.
        let shared = ok.replace("token_env = \"B\"", "token_env = \"A\"");
        assert!(Accounts::parse(&shared, "f", &env).is_ok());
        let two_pages = ok.replace(
            "[[whatsapp]]",
            "[[pages]]\nid = \"5\"\nname = \"Q\"\ntoken_env = \"A\"\n[[whatsapp]]",
        );
        assert!(Accounts::parse(&two_pages, "f", &env).is_err());
        let bad = ok.replace(r#""text":"Hi""#, r#""text":"Hi","x":1"#);
        assert!(Accounts::parse(&bad, "f", &env).is_err());
        let dup = ok.replace("id = \"3\"", "id = \"1\"");
        assert!(Accounts::parse(&dup, "f", &env).is_err());
        assert!(Accounts::parse("app_id = 1", "f", &env).is_err());
    }
}
