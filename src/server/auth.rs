//! Bearer tokens scoped to workspaces, held only as SHA-256 hashes, and a token-bucket
//! rate limit per token.
//!
//! Token lines (from `--tokens FILE` or the `SOCIALFORM_SERVE_TOKENS` variable, one per
//! line or separated by `;`): `WORKSPACE[,WORKSPACE...]=TOKEN`, where the workspaces may
//! be `*` (all) and TOKEN may be given already hashed as `sha256:<64 hex>`, so the file
//! need not hold the token itself. Blank lines and `#` comments are skipped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::model::sha256_hex;

/// Which workspaces a token may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// every workspace
    All,
    /// these workspaces
    Only(Vec<String>),
}

impl Scope {
    /// Whether the scope covers `workspace`.
    pub fn allows(&self, workspace: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(list) => list.iter().any(|w| w == workspace),
        }
    }
}

/// The configured tokens, by hash.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    by_hash: HashMap<String, Scope>,
}

/// A token line that does not parse (the line number only: the line may hold a token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token entry {entry} of {source_name} is not `WORKSPACE[,WORKSPACE...]=TOKEN`")]
pub struct TokenSyntax {
    /// where the entries came from
    pub source_name: String,
    /// 1-based entry number
    pub entry: usize,
}

/// What a request's `Authorization` header gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// allowed, as the token with this hash
    Allowed(String),
    /// no token, or not a known one: 401
    Unauthenticated,
    /// a known token for other workspaces: 403
    Forbidden,
}

impl Tokens {
    /// Parses token entries; `source_name` names where they came from in errors.
    pub fn parse(text: &str, source_name: &str) -> Result<Tokens, TokenSyntax> {
        let mut tokens = Tokens::default();
        tokens.add(text, source_name)?;
        Ok(tokens)
    }

    /// Adds token entries.
    pub fn add(&mut self, text: &str, source_name: &str) -> Result<(), TokenSyntax> {
        let entries = text
            .split(['\n', ';'])
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        for (i, line) in entries.enumerate() {
            let err = || TokenSyntax {
                source_name: source_name.to_string(),
                entry: i + 1,
            };
            let (scope, token) = line.split_once('=').ok_or_else(err)?;
            let (scope, token) = (scope.trim(), token.trim());
            if scope.is_empty() || token.is_empty() {
                return Err(err());
            }
            let scope = if scope == "*" {
                Scope::All
            } else {
                Scope::Only(scope.split(',').map(|w| w.trim().to_string()).collect())
            };
            let hash = match token.strip_prefix("sha256:") {
                Some(hex) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    format!("sha256:{}", hex.to_ascii_lowercase())
                }
                _ => sha256_hex(token.as_bytes()),
            };
            self.by_hash.insert(hash, scope);
        }
        Ok(())
    }

    /// How many tokens are configured.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether no token is configured.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// Judges an `Authorization` header value for `workspace`.
    pub fn check(&self, authorization: Option<&str>, workspace: &str) -> Verdict {
        let Some(token) = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Verdict::Unauthenticated;
        };
        let hash = sha256_hex(token.as_bytes());
        match self.by_hash.get(&hash) {
            None => Verdict::Unauthenticated,
            Some(scope) if scope.allows(workspace) => Verdict::Allowed(hash),
            Some(_) => Verdict::Forbidden,
        }
    }
}

/// A token bucket per token: `rate` requests a second, bursts of `burst`.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter; a `rate` of 0 admits everything.
    pub fn new(rate: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            rate,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the token's bucket, or says how long to wait.
    pub fn admit(&self, token_hash: &str) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (level, at) = buckets
            .entry(token_hash.to_string())
            .or_insert((self.burst, now));
        *level = (*level + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *level >= 1.0 {
            *level -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *level) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_scoped_and_hashed() {
        let hashed = sha256_hex(b"t3");
        let t = Tokens::parse(
            &format!("# team tokens\nalpha,beta=t1\n*=t2; gamma={hashed}\n"),
            "test",
        )
        .unwrap();
        assert_eq!(t.len(), 3);
        assert!(!format!("{t:?}").contains("t1"));
        assert_eq!(t.check(None, "alpha"), Verdict::Unauthenticated);
        assert_eq!(
            t.check(Some("Bearer nope"), "alpha"),
            Verdict::Unauthenticated
        );
        assert!(matches!(
            t.check(Some("Bearer t1"), "beta"),
            Verdict::Allowed(_)
        ));
        assert_eq!(t.check(Some("Bearer t1"), "gamma"), Verdict::Forbidden);
        assert!(matches!(
            t.check(Some("Bearer t2"), "gamma"),
            Verdict::Allowed(_)
        ));
        assert!(matches!(
            t.check(Some("Bearer t3"), "gamma"),
            Verdict::Allowed(_)
        ));
        let err = Tokens::parse("alpha secret", "env").unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }

    #[test]
    fn the_bucket_refills() {
        let r = RateLimiter::new(100.0, 2.0);
        assert!(r.admit("a").is_ok());
        assert!(r.admit("a").is_ok());
        let wait = r.admit("a").unwrap_err();
        assert!(wait <= Duration::from_millis(10));
        assert!(r.admit("b").is_ok());
        std::thread::sleep(Duration::from_millis(15));
        assert!(r.admit("a").is_ok());
    }
}
