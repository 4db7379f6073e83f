//! Bearer tokens scoped to workspaces, held only as SHA-256 hashes, a token-bucket rate
//! limit per token, and a limit on failed authentications per client address.
//!
//! Token lines (from `--tokens FILE` or the `SOCIALFORM_SERVE_TOKENS` variable, one per
//! line or separated by `;`): `WORKSPACE[,WORKSPACE...]=TOKEN`, where the workspaces may
//! be `*` (all) and TOKEN may be given already hashed as `sha256:<64 hex>`, so the file
//! need not hold the token itself. Blank lines and `#` comments are skipped.

use std::collections::HashMap;
use std::net::IpAddr;
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

    /// Judges an `Authorization` header value for `workspace`, or for any workspace
    /// when `workspace` is `None` (a known token of any scope is allowed).
    pub fn check(&self, authorization: Option<&str>, workspace: Option<&str>) -> Verdict {
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
            Some(scope) if workspace.is_none_or(|w| scope.allows(w)) => Verdict::Allowed(hash),
            Some(_) => Verdict::Forbidden,
        }
    }
}

/// The longest wait a limiter ever asks for.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

/// The wait of a bucket at `level` refilled at `rate` a second before it holds one, capped
/// at [`MAX_WAIT`] (never a panic, whatever the numbers).
fn wait_for_one(level: f64, rate: f64) -> Duration {
    let secs = (1.0 - level) / rate;
    if secs.is_finite() && secs >= 0.0 {
        Duration::try_from_secs_f64(secs)
            .unwrap_or(MAX_WAIT)
            .min(MAX_WAIT)
    } else {
        MAX_WAIT
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
    /// A limiter; a `rate` of 0 (or anything not a positive number) admits everything.
    pub fn new(rate: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            rate: if rate.is_finite() { rate } else { 0.0 },
            burst: if burst.is_finite() {
                burst.max(1.0)
            } else {
                1.0
            },
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
            Err(wait_for_one(*level, self.rate))
        }
    }
}

/// How many client addresses the failure limiter remembers at most.
const MAX_ADDRESSES: usize = 65_536;

/// Failed authentications per client address: a bucket of `per_minute` failures that
/// refills at `per_minute` a minute. While it is empty every request from that address
/// is refused with 429 before its token is even looked at, so guessing tokens is slow
/// and a right guess is not told apart from a wrong one. IPv6 addresses count by their
/// /64 prefix (one host usually holds a whole /64).
#[derive(Debug)]
pub struct FailureLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl FailureLimiter {
    /// A limiter allowing `per_minute` failures a minute per address (0: no limit).
    pub fn new(per_minute: u32) -> FailureLimiter {
        FailureLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn rate(&self) -> f64 {
        f64::from(self.per_minute) / 60.0
    }

    /// How long `ip` must wait before it may try again, when it failed too often.
    pub fn blocked(&self, ip: IpAddr) -> Option<Duration> {
        if self.per_minute == 0 {
            return None;
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (level, at) = buckets.get_mut(&client_key(ip))?;
        *level = (*level + now.duration_since(*at).as_secs_f64() * self.rate())
            .min(f64::from(self.per_minute));
        *at = now;
        (*level < 1.0).then(|| wait_for_one(*level, self.rate()).max(Duration::from_secs(1)))
    }

    /// Records a failed authentication from `ip`.
    pub fn failed(&self, ip: IpAddr) {
        if self.per_minute == 0 {
            return;
        }
        let now = Instant::now();
        let full = f64::from(self.per_minute);
        let rate = self.rate();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_ADDRESSES {
            // Forget the addresses whose bucket has refilled; if every one is still
            // draining (a flood from many addresses), start over rather than grow.
            buckets.retain(|_, (level, at)| {
                *level + now.duration_since(*at).as_secs_f64() * rate < full
            });
            if buckets.len() >= MAX_ADDRESSES {
                buckets.clear();
            }
        }
        let (level, at) = buckets.entry(client_key(ip)).or_insert((full, now));
        *level = (*level + now.duration_since(*at).as_secs_f64() * rate).min(full);
        *at = now;
        *level = (*level - 1.0).max(0.0);
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
        assert_eq!(t.check(None, Some("alpha")), Verdict::Unauthenticated);
        assert_eq!(
            t.check(Some("Bearer nope"), Some("alpha")),
            Verdict::Unauthenticated
        );
        assert!(matches!(
            t.check(Some("Bearer t1"), Some("beta")),
            Verdict::Allowed(_)
        ));
        assert_eq!(
            t.check(Some("Bearer t1"), Some("gamma")),
            Verdict::Forbidden
        );
        assert!(matches!(
            t.check(Some("Bearer t1"), None),
            Verdict::Allowed(_)
        ));
        assert_eq!(t.check(Some("Bearer nope"), None), Verdict::Unauthenticated);
        assert!(matches!(
            t.check(Some("Bearer t2"), Some("gamma")),
            Verdict::Allowed(_)
        ));
        assert!(matches!(
            t.check(Some("Bearer t3"), Some("gamma")),
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

    #[test]
    fn extreme_rates_never_panic() {
        for rate in [
            1e-20,
            f64::MIN_POSITIVE,
            1e300,
            f64::NAN,
            f64::INFINITY,
            -1.0,
        ] {
            let r = RateLimiter::new(rate, 1.0);
            let _ = r.admit("a");
            if let Err(wait) = r.admit("a") {
                assert!(wait <= MAX_WAIT);
            }
        }
    }

    #[test]
    fn failures_block_an_address_then_it_refills() {
        let f = FailureLimiter::new(3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(f.blocked(a), None);
            f.failed(a);
        }
        let wait = f.blocked(a).unwrap();
        assert!(wait >= Duration::from_secs(1) && wait <= Duration::from_secs(20));
        assert_eq!(f.blocked(b), None);
        // One /64 is one client.
        let v6a: IpAddr = "2001:db8::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8::ffff:2".parse().unwrap();
        for _ in 0..3 {
            f.failed(v6a);
        }
        assert!(f.blocked(v6b).is_some());
        assert_eq!(FailureLimiter::new(0).blocked(a), None);
    }
}
