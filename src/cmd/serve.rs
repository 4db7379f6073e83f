//! `socialform serve`: the platform API over TCP, data in SQLite, for a team's shared
//! sandbox and for the tests of the `http` backend.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use socialform::server::{self, Event, ServeOptions, Synchronous, Tokens};

use super::{Error, Outcome};

/// Serve the platform API (schemas/openapi.json) for `[backend] kind = "http"`.
///
/// Workspaces are created on first start from sandbox catalog files and kept in the
/// SQLite database FILE. Bearer tokens, scoped to workspaces, come from the
/// SOCIALFORM_SERVE_TOKENS variable and/or --tokens FILE, one `WORKSPACE[,...]=TOKEN` per
/// line (`*` for every workspace; TOKEN may be given as `sha256:<hex>`); they are kept
/// hashed and never printed. Prints `listening on http://ADDR` once it accepts
/// connections.
///
/// Safe to expose to untrusted clients: the token is checked before a body is read;
/// a client address that fails authentication more than --auth-failures times a minute
/// gets 429 with Retry-After; headers, bodies and idle connections have deadlines; every
/// error is JSON. On SIGTERM or Ctrl-C it stops accepting, lets the requests in flight
/// finish, and exits at the latest --shutdown-grace (10 s by default) plus 1 s after the
/// signal, dropping the connections still open.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (port 0 picks a free port; the one chosen is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// The SQLite database file (created when missing).
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// A workspace to serve and its sandbox catalog file (repeatable).
    #[arg(long = "workspace", value_name = "NAME=CATALOG", required = true, value_parser = parse_workspace)]
    workspaces: Vec<(String, PathBuf)>,
    /// A file of token lines `WORKSPACE[,WORKSPACE...]=TOKEN`.
    #[arg(long, value_name = "FILE")]
    tokens: Option<PathBuf>,
    /// Delay added to every API request, such as `20ms` or `1s` (tests, benchmarks; at
    /// most 60s).
    #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = parse_duration)]
    latency: Duration,
    /// Answer a share of API requests with STATUS (429 or 503), such as `503=10%` or
    /// `429=0.05` (repeatable). A 503 on a write comes after the write was committed.
    #[arg(long = "fail-rate", value_name = "STATUS=SHARE", value_parser = parse_fail_rate)]
    fail_rates: Vec<(u16, f64)>,
    /// Requests a second per token before answering 429 (0: no limit; else 0.01 to
    /// 1000000).
    #[arg(long, value_name = "N", default_value_t = 500.0, value_parser = parse_number)]
    rate_limit: f64,
    /// The largest burst of requests per token (1 to 1000000).
    #[arg(long, value_name = "N", default_value_t = 1000.0, value_parser = parse_number)]
    burst: f64,
    /// The largest request body in bytes (413 beyond; 1024 to 67108864).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_body: usize,
    /// Failed authentications a minute per client address before every request from it
    /// gets 429 with Retry-After (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 10)]
    auth_failures: u32,
    /// Time a client has from the first byte of a request to the end of its headers.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    header_timeout: Duration,
    /// Time a client has to send a request's whole body (408 beyond).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    body_timeout: Duration,
    /// A connection on which nothing moves while no request is handled (a kept-alive
    /// connection, a client not reading its answer) is closed after this.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    idle_timeout: Duration,
    /// After SIGTERM or Ctrl-C, how long requests in flight have before the connections
    /// still open are dropped; the process exits within this plus 1 s.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    shutdown_grace: Duration,
    /// Connections served at once (1 to 65536); more wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_connections: usize,
    /// Serve request counters at /metrics (Prometheus text), to any valid token. Off by
    /// default.
    #[arg(long)]
    metrics: bool,
    /// How long an idempotency key is remembered (1s to 30 days; 24h by default); expired
    /// keys are purged periodically while the server runs.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    idempotency_ttl: Duration,
    /// `full`: fsync every commit before answering its writes (survives power loss; the
    /// writes that arrive together share one commit); `normal`: WAL without fsync per
    /// commit (survives kill -9, not an OS crash; faster).
    #[arg(long, value_name = "MODE", default_value = "full", value_parser = ["full", "normal"])]
    synchronous: String,
}

fn parse_workspace(s: &str) -> Result<(String, PathBuf), String> {
    let (name, path) = s
        .split_once('=')
        .ok_or_else(|| "expected NAME=CATALOG".to_string())?;
    if name.is_empty() || path.is_empty() {
        return Err("expected NAME=CATALOG".into());
    }
    Ok((name.to_string(), PathBuf::from(path)))
}

/// `20ms`, `1.5s`, `2m`, `24h`, or a bare number of milliseconds: digits and at most one
/// dot, so never negative, NaN or infinite. Ranges are checked by the server.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, "ms"),
    };
    if num.is_empty() || num.len() > 20 || num.matches('.').count() > 1 {
        return Err(format!(
            "`{s}` is not a duration such as 20ms, 1.5s, 2m or 24h"
        ));
    }
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration such as 20ms, 1.5s, 2m or 24h"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("`{s}`: the unit is one of ms, s, m, h")),
    };
    // At most 100 days: anything longer is refused by every option anyway.
    if !(secs.is_finite() && (0.0..=8_640_000.0).contains(&secs)) {
        return Err(format!("`{s}` is too long"));
    }
    Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())
}

/// A finite, non-negative number (ranges are checked by the server).
fn parse_number(s: &str) -> Result<f64, String> {
    let n: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if n.is_finite() && n >= 0.0 {
        Ok(n)
    } else {
        Err(format!("`{s}` is not a finite number of at least 0"))
    }
}

fn parse_fail_rate(s: &str) -> Result<(u16, f64), String> {
    let (status, share) = s
        .split_once('=')
        .ok_or_else(|| "expected STATUS=SHARE, such as 503=10%".to_string())?;
    let status: u16 = status.trim().parse().map_err(|_| "STATUS is 429 or 503")?;
    if status != 429 && status != 503 {
        return Err("STATUS is 429 or 503".into());
    }
    let share = share.trim();
    let share = match share.strip_suffix('%') {
        Some(p) => p.parse::<f64>().map(|p| p / 100.0),
        None => share.parse::<f64>(),
    }
    .map_err(|_| "SHARE is a fraction (0.1) or a percentage (10%)".to_string())?;
    // NaN is in no range, so it is refused here too.
    if !(0.0..=1.0).contains(&share) {
        return Err("SHARE is between 0 and 1".into());
    }
    Ok((status, share))
}

/// Runs `serve`.
pub fn cmd_serve(args: Args) -> Result<Outcome, Error> {
    let mut tokens = Tokens::default();
    if let Ok(text) = std::env::var("SOCIALFORM_SERVE_TOKENS") {
        tokens
            .add(&text, "SOCIALFORM_SERVE_TOKENS")
            .map_err(|e| Error::Serve(e.to_string()))?;
    }
    if let Some(path) = &args.tokens {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.display().to_string(),
            source,
        })?;
        tokens
            .add(&text, &path.display().to_string())
            .map_err(|e| Error::Serve(e.to_string()))?;
    }
    let options = ServeOptions {
        listen: args.listen,
        data: args.data,
        workspaces: args.workspaces,
        tokens,
        latency: args.latency,
        fail_rates: args.fail_rates,
        rate_limit: args.rate_limit,
        burst: args.burst,
        max_body: args.max_body,
        auth_failures_per_minute: args.auth_failures,
        header_timeout: args.header_timeout,
        body_timeout: args.body_timeout,
        idle_timeout: args.idle_timeout,
        shutdown_grace: args.shutdown_grace,
        max_connections: args.max_connections,
        metrics: args.metrics,
        idempotency_ttl: args.idempotency_ttl,
        synchronous: if args.synchronous == "normal" {
            Synchronous::Normal
        } else {
            Synchronous::Full
        },
        ..ServeOptions::default()
    };
    let on_event = |event: Event| match event {
        Event::Workspace {
            name,
            created,
            added,
            orphans,
        } => {
            errln!(
                "workspace `{name}`: {}",
                if created {
                    "created from its catalog"
                } else {
                    "loaded from the database"
                }
            );
            for address in added {
                errln!("workspace `{name}`: `{address}` added from its catalog");
            }
            for (address, entry) in orphans {
                errln!(
                    "warning[{}]: workspace `{name}`: `{address}` is kept, but its catalog no longer lists {entry}",
                    socialform::diagnostics::Code::Orphaned.as_str()
                );
            }
        }
        Event::Listening(addr) => {
            outln!("listening on http://{addr}");
            let _ = std::io::stdout().flush();
        }
        Event::Stopping => errln!("stopping: finishing the requests in flight"),
        Event::Dropped(n) => errln!("stopping: dropped {n} connection(s) still open"),
        Event::Purged(n) => errln!("forgot {n} expired idempotency key(s)"),
        Event::PurgeFailed(e) => errln!("purging expired idempotency keys failed: {e}"),
    };
    server::run(options, &on_event).map_err(|e| Error::Serve(e.to_string()))?;
    errln!("stopped");
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_rates() {
        assert_eq!(parse_duration("20ms"), Ok(Duration::from_millis(20)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_millis(7)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        for bad in [
            "3d",
            "-5ms",
            "NaN",
            "nanms",
            "infs",
            "1e30s",
            "1..2s",
            "",
            "s",
            "1e3",
            "99999999999999999999999s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        for bad in ["NaN", "inf", "-1", "-0.5", "x", "1e400"] {
            assert!(parse_number(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_number("1e-20"), Ok(1e-20));
        assert!(parse_fail_rate("503=NaN").is_err());
        assert_eq!(parse_fail_rate("503=10%"), Ok((503, 0.1)));
        assert_eq!(parse_fail_rate("429=0.05"), Ok((429, 0.05)));
        assert!(parse_fail_rate("500=1%").is_err());
        assert!(parse_fail_rate("429=2").is_err());
    }
}
