//! The normalised resource: one shape (an address, a kind and an ordered map of fields)
//! for the desired side, the live side, the diff and every renderer, and its hash.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Address, Channel, Kind, kind::Ownership};

/// The value socialform writes in a resource's `managed_by` mark.
pub const MANAGER: &str = "socialform";

/// Fields the platform owns: shown by the backend, never written, diffed or hashed.
pub const PLATFORM_FIELDS: &[&str] = &["display_name", "platform"];

/// Fields derived from others for display only (the `when` form of `conditions`): not hashed.
pub const DISPLAY_FIELDS: &[&str] = &["when"];

/// One resource: where it is, what it is, and its fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// `profile.acme_fb`, `reply_profiles["Customer Care"]["VIP"]`, `contacts`, ...: an
    /// [`Address`] as written (a live resource's comes from the platform, which may hold
    /// anything, so it is kept as text and parsed where it is needed)
    pub address: String,
    /// what kind of resource it is
    pub kind: Kind,
    /// the fields, in a stable order
    pub fields: IndexMap<String, Value>,
}

impl Resource {
    /// A resource from its parts.
    pub fn new(address: impl Into<String>, kind: Kind, fields: IndexMap<String, Value>) -> Self {
        Resource {
            address: address.into(),
            kind,
            fields,
        }
    }

    /// A resource at `address`, of the address's kind.
    pub fn at(address: &Address, fields: IndexMap<String, Value>) -> Self {
        Resource::new(address.to_string(), address.kind(), fields)
    }

    /// The identity under which the platform knows the resource. A bound profile is the
    /// connected account itself (`account:facebook:1234`), whatever its id in the
    /// configuration; everything else is known by its address.
    pub fn key(&self) -> String {
        if let Some(channel) = self.bound_channel()
            && let Some(account) = self.fields.get("account").and_then(Value::as_str)
        {
            return format!("account:{channel}:{account}");
        }
        self.address.clone()
    }

    /// The channel of a profile bound to a connected account (none for a channel whose
    /// profiles are created, such as live chat, and for other kinds).
    pub fn bound_channel(&self) -> Option<&str> {
        if self.kind.spec().owned != Ownership::BoundAccount {
            return None;
        }
        self.fields
            .get("channel")
            .and_then(Value::as_str)
            .filter(|c| Channel::binds(c))
    }

    /// Whether the platform owns this resource ([`crate::model::KindSpec::owned`]): a
    /// connected account's profile or a platform contact attribute. It is updated, never
    /// created or deleted.
    pub fn is_platform_owned(&self) -> bool {
        match self.kind.spec().owned {
            Ownership::Never => false,
            Ownership::BoundAccount => self.bound_channel().is_some(),
            Ownership::Flag(field) => self.fields.get(field) == Some(&Value::Bool(true)),
        }
    }

    /// The fields that are compared and hashed: without platform-owned fields.
    pub fn comparable(&self) -> IndexMap<String, Value> {
        self.fields
            .iter()
            .filter(|(k, _)| !PLATFORM_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The stable hash of the resource's fields (`sha256:<hex>`), independent of key order
    /// and of platform-owned and display-only fields: the digest of the address, the kind
    /// and the canonical JSON of those fields, written once into one buffer (no copy of the
    /// fields).
    pub fn hash(&self) -> String {
        let mut text: Vec<u8> = Vec::with_capacity(512);
        text.extend_from_slice(self.address.as_bytes());
        text.push(b'\n');
        text.extend_from_slice(self.kind.as_str().as_bytes());
        text.push(b'\n');
        let mut keys: Vec<&String> = self
            .fields
            .keys()
            .filter(|k| {
                !PLATFORM_FIELDS.contains(&k.as_str()) && !DISPLAY_FIELDS.contains(&k.as_str())
            })
            .collect();
        keys.sort_unstable();
        write_object(&mut text, keys.into_iter().map(|k| (k, &self.fields[k])));
        sha256_hex(&text)
    }
}

/// A sink for canonical JSON.
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A sink as an `io::Write`, for serde_json to write scalars straight into it.
struct SinkWriter<'s, S: Sink>(&'s mut S);

impl<S: Sink> std::io::Write for SinkWriter<'_, S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.put(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes a scalar (or a string key) as compact JSON. A scalar always serialises, and
/// the sink never fails.
fn write_json<S: Sink, T: Serialize + ?Sized>(out: &mut S, v: &T) {
    let _ = serde_json::to_writer(SinkWriter(out), v);
}

fn write_object<'a, S: Sink>(out: &mut S, entries: impl Iterator<Item = (&'a String, &'a Value)>) {
    out.put(b"{");
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            out.put(b",");
        }
        write_json(out, k.as_str());
        out.put(b":");
        write_canonical(out, v);
    }
    out.put(b"}");
}

/// Canonical JSON: compact, object keys sorted at every level. Objects nest as deep as a
/// resource's fields, which the configuration's depth bound and the platform's own keep
/// shallow.
fn write_canonical<S: Sink>(out: &mut S, v: &Value) {
    match v {
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort_unstable();
            write_object(out, keys.into_iter().map(|k| (k, &o[k])));
        }
        Value::Array(a) => {
            out.put(b"[");
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.put(b",");
                }
                write_canonical(out, item);
            }
            out.put(b"]");
        }
        scalar => write_json(out, scalar),
    }
}

/// The identity a configuration records on every resource it writes, so that a resource
/// last applied by another configuration shows as drift: the name of the configuration
/// directory (the same in a local checkout and in CI), `/`, the workspace.
pub fn config_id(dir: &std::path::Path, workspace: &str) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "socialform".to_string());
    format!("{name}/{workspace}")
}

fn hex(digest: &[u8]) -> String {
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in digest {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0xf)] as char);
    }
    out
}

/// `sha256:` and the hex digest of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(Sha256::digest(bytes).as_slice())
}

/// JSON with object keys sorted at every level, so equal values have equal text.
pub fn canonical(v: &Value) -> String {
    let mut out = Vec::new();
    write_canonical(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// The addresses of the groups a group resource nests (`group.<id>`).
pub fn nested_groups(group: &Resource) -> Vec<String> {
    group
        .fields
        .get("groups")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|id| Address::group(id).to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The hash of a whole configuration's desired state: the workspace settings and the
/// hash of every desired resource, in order. A saved plan records it; `apply` refuses
/// the plan when it moved.
pub fn config_hash<'h>(
    workspace: &str,
    prune: bool,
    hashes: impl IntoIterator<Item = &'h str>,
) -> String {
    let mut text = format!("workspace={workspace}\nprune={prune}\n");
    for h in hashes {
        text.push_str(h);
        text.push('\n');
    }
    sha256_hex(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The hash as it was computed before it was streamed: the canonical text of a
    /// sorted copy. Live resources carry hashes made this way, so the two must agree.
    fn copied_hash(r: &Resource) -> String {
        fn sorted(v: &Value) -> Value {
            match v {
                Value::Object(o) => {
                    let mut keys: Vec<&String> = o.keys().collect();
                    keys.sort();
                    Value::Object(
                        keys.into_iter()
                            .map(|k| (k.clone(), sorted(&o[k])))
                            .collect(),
                    )
                }
                Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
                other => other.clone(),
            }
        }
        let fields: serde_json::Map<String, Value> = r
            .fields
            .iter()
            .filter(|(k, _)| {
                !PLATFORM_FIELDS.contains(&k.as_str()) && !DISPLAY_FIELDS.contains(&k.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let text = format!(
            "{}\n{}\n{}",
            r.address,
            r.kind.as_str(),
            serde_json::to_string(&sorted(&Value::Object(fields))).unwrap()
        );
        sha256_hex(text.as_bytes())
    }

    #[test]
    fn hash_ignores_key_order_and_platform_fields() {
        let mut a = IndexMap::new();
        a.insert("b".to_string(), json!(1));
        a.insert("a".to_string(), json!({"y": 1, "x": 2}));
        let mut b = IndexMap::new();
        b.insert("a".to_string(), json!({"x": 2, "y": 1}));
        b.insert("display_name".to_string(), json!("Acme"));
        b.insert("b".to_string(), json!(1));
        let ra = Resource::new("group.g", Kind::Group, a);
        let rb = Resource::new("group.g", Kind::Group, b);
        assert_eq!(ra.hash(), rb.hash());
        assert!(ra.hash().starts_with("sha256:"));
        let mut rc = ra.clone();
        rc.fields.insert("b".to_string(), json!(2));
        assert_ne!(ra.hash(), rc.hash());
    }

    #[test]
    fn the_streamed_hash_is_the_hash_of_before() {
        let fields = json!({
            "z": "é \"quoted\" \u{1}\n",
            "a": [1, 2.5, -3, null, true, {"b": {"d": 1, "c": [{"y": 0, "x": 0}]}}],
            "when": "dropped",
            "platform": true,
            "m": {},
            "n": 12345678901234567890u64,
        });
        let fields: IndexMap<String, Value> = fields
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let r = Resource::new("proactive_message.p", Kind::ProactiveMessage, fields);
        assert_eq!(r.hash(), copied_hash(&r));
        assert_eq!(
            canonical(&json!({"b": [{"d": 1, "c": 2}], "a": "x"})),
            r#"{"a":"x","b":[{"c":2,"d":1}]}"#
        );
    }

    #[test]
    fn platform_ownership_follows_the_kind_descriptors() {
        let r = |kind, v: Value| crate::model::testing::resource("x", kind, v);
        let fb = r(
            Kind::Profile,
            json!({"channel": "facebook", "account": "1"}),
        );
        assert!(fb.is_platform_owned());
        assert_eq!(fb.key(), "account:facebook:1");
        assert!(!r(Kind::Profile, json!({"channel": "live_chat"})).is_platform_owned());
        assert!(r(Kind::ContactAttribute, json!({"platform": true})).is_platform_owned());
        assert!(!r(Kind::ContactAttribute, json!({"type": "text"})).is_platform_owned());
        assert!(!r(Kind::Group, json!({"channel": "x", "account": "@a"})).is_platform_owned());
    }
}
