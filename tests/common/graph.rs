//! The Graph API emulator (`socialform emulate meta`) as the meta tests start it: a child
//! process of the built binary on 127.0.0.1 with an ephemeral port, the accounts and
//! tokens of the tests, its request counters, killed on drop.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub const APP: &str = "900000000000001";
pub const PAGE: &str = "104857600123456";
pub const IG: &str = "17841400000000001";
pub const PAGE2: &str = "104857600999999";
pub const WA: &str = "109876543210";
pub const PAGE_TOKEN: &str = "EAAPage-token-5d1c-secret";
pub const PAGE2_TOKEN: &str = "EAAPage2-token-77ab-secret";
pub const WA_TOKEN: &str = "EAAWa-token-e3f0-secret";
/// No Messenger Profile rate limit in the way of a test.
/// The accounts file of the emulator: the Page `PAGE` with its Instagram account `IG`, the
/// Page `PAGE2` and the WhatsApp number `WA`, each with its token variable; `page`,
/// `instagram` and `whatsapp`, when not empty, are the JSON of the profile each holds at
/// the start.
pub fn accounts(page: &str, instagram: &str, whatsapp: &str) -> String {
    let opt = |key: &str, v: &str| {
        if v.is_empty() {
            String::new()
        } else {
            format!("{key} = '{v}'\n")
        }
    };
    format!(
        r#"
app_id = "{APP}"
[[pages]]
id = "{PAGE}"
name = "Acme Air"
token_env = "EMU_PAGE_TOKEN"
instagram_id = "{IG}"
{}{}
[[pages]]
id = "{PAGE2}"
name = "Acme Cargo"
token_env = "EMU_PAGE2_TOKEN"
[[whatsapp]]
id = "{WA}"
verified_name = "Acme Air"
token_env = "EMU_WA_TOKEN"
{}"#,
        opt("profile", page),
        opt("instagram_profile", instagram),
        opt("profile", whatsapp),
    )
}

pub const NO_LIMIT: &[&str] = &["--profile-rate-limit", "100000/600"];
/// The smallest PNG header Meta's checks read.
pub const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// A running emulator, killed on drop.
pub struct Emulator {
    child: Child,
    /// its base URL
    pub url: String,
    /// its working directory (`accounts.toml`, `files/`)
    pub dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Emulator {
    /// Starts one with these accounts (`accounts.toml`) and extra arguments.
    pub fn start(accounts: &str, extra: &[&str]) -> Emulator {
        Emulator::with(accounts, extra, |_| {})
    }

    /// Starts one after `prepare` has seen its directory.
    pub fn with(accounts: &str, extra: &[&str], prepare: impl FnOnce(&Path)) -> Emulator {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("accounts.toml");
        std::fs::write(&file, accounts).unwrap();
        std::fs::create_dir(dir.path().join("files")).unwrap();
        prepare(dir.path());
        let mut child = Command::new(super::bin())
            .args(["emulate", "meta", "--listen", "127.0.0.1:0", "--accounts"])
            .arg(&file)
            .arg("--files")
            .arg(dir.path().join("files"))
            .args(extra)
            .current_dir(dir.path())
            .env("EMU_PAGE_TOKEN", PAGE_TOKEN)
            .env("EMU_PAGE2_TOKEN", PAGE2_TOKEN)
            .env("EMU_WA_TOKEN", WA_TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the emulator starts");
        let url = super::listening_on(&mut child, "emulator");
        Emulator {
            child,
            url,
            dir,
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    /// One request; the answer as JSON (null when it is not JSON).
    pub fn http(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.rt.block_on(async {
            let resp = req.send().await.expect("the emulator answers");
            let bytes = resp.bytes().await.unwrap();
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        })
    }

    /// The bytes at a URL of the emulator (a file it serves).
    pub fn bytes(&self, url: &str) -> Vec<u8> {
        self.rt.block_on(async {
            let resp = self.client.get(url).send().await.unwrap();
            assert!(resp.status().is_success(), "{url}");
            resp.bytes().await.unwrap().to_vec()
        })
    }

    /// The emulator's request counters, then back to zero.
    pub fn take_counts(&self) -> Counts {
        let v = self.http("GET", "/__emulator/requests", None, None);
        self.http("DELETE", "/__emulator/requests", None, None);
        Counts(v)
    }

    /// Serves `bytes` as `files/NAME`; its URL.
    pub fn file(&self, name: &str, bytes: &[u8]) -> String {
        std::fs::write(self.dir.path().join("files").join(name), bytes).unwrap();
        format!("{}/__emulator/files/{name}", self.url)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `/__emulator/requests` answered.
pub struct Counts(pub Value);

impl Counts {
    /// Every request.
    pub fn total(&self) -> u64 {
        self.0["total"].as_u64().unwrap()
    }

    /// The count of `METHOD endpoint` on one account (0 when never called).
    pub fn count(&self, account: &str, call: &str) -> u64 {
        self.0["accounts"][account]["by_endpoint"][call]
            .as_u64()
            .unwrap_or(0)
    }

    /// Every `METHOD endpoint` called on one account.
    pub fn calls(&self, account: &str) -> Vec<String> {
        self.by_endpoint(account)
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    /// `METHOD endpoint` counts of one account, as a sorted list.
    pub fn by_endpoint(&self, account: &str) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = self.0["accounts"][account]["by_endpoint"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}
