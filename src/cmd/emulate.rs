//! `socialform emulate meta`: a Graph API emulator on 127.0.0.1, for the tests of the
//! `meta` backend and for dry runs without a Page.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use socialform::emulator::meta::{self, Accounts, EmulatorOptions, Event, RateLimit};

use super::{Error, Outcome};

/// Run an emulator of a platform's API.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    platform: Platform,
}

#[derive(Debug, clap::Subcommand)]
enum Platform {
    Meta(MetaArgs),
}

/// Emulate Meta's Graph API (Messenger Profile API, WhatsApp business profiles, the
/// Resumable Upload API) from Meta's documentation; see docs/graph-emulator.md.
///
/// Pages, Instagram accounts and WhatsApp numbers come from the accounts file (TOML);
/// each names the environment variable holding the token it accepts, read at start and
/// never printed. State is kept in memory (and in --state FILE when given). Prints `listening on http://ADDR` once it
/// accepts connections; stops on SIGTERM or Ctrl-C.
#[derive(Debug, clap::Args)]
struct MetaArgs {
    /// Address to listen on (port 0 picks a free port; the one chosen is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: String,
    /// The accounts file: app_id, [[pages]] and [[whatsapp]] entries.
    #[arg(long, value_name = "FILE")]
    accounts: PathBuf,
    /// A directory served read-only at /__emulator/files/<name>.
    #[arg(long, value_name = "DIR")]
    files: Option<PathBuf>,
    /// The Messenger Profile API rate limit per Page, as CALLS/SECONDS (Meta's: 10/600).
    #[arg(long, value_name = "N/SECONDS", default_value = "10/600", value_parser = parse_rate_limit)]
    profile_rate_limit: RateLimit,
    /// Keep the profiles and uploaded pictures in this JSON file across restarts
    /// (written atomically after every change; created on the first one).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
}

/// `10/600`: calls per window of seconds.
fn parse_rate_limit(s: &str) -> Result<RateLimit, String> {
    let (calls, secs) = s
        .split_once('/')
        .ok_or_else(|| "expected CALLS/SECONDS, such as 10/600".to_string())?;
    let calls: usize = calls
        .trim()
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| "CALLS is a whole number of at least 1".to_string())?;
    let secs: f64 = secs
        .trim()
        .parse()
        .ok()
        .filter(|&s: &f64| s.is_finite() && s > 0.0 && s <= 86_400.0)
        .ok_or_else(|| "SECONDS is a number above 0, at most 86400".to_string())?;
    Ok(RateLimit {
        calls,
        window: Duration::from_secs_f64(secs),
    })
}

/// Runs `emulate`.
pub fn cmd_emulate(args: Args) -> Result<Outcome, Error> {
    let Platform::Meta(args) = args.platform;
    let accounts = Accounts::load(&args.accounts, &|var| std::env::var(var).ok())
        .map_err(|e| Error::Emulate(e.to_string()))?;
    let options = EmulatorOptions {
        listen: args.listen,
        accounts,
        files: args.files,
        profile_rate_limit: args.profile_rate_limit,
        state: args.state,
    };
    let on_event = |event: Event| match event {
        Event::Listening(addr) => {
            outln!("listening on http://{addr}");
            let _ = std::io::stdout().flush();
        }
        Event::Stopping => errln!("stopping: finishing the requests in flight"),
    };
    meta::run(options, &on_event).map_err(|e| Error::Emulate(e.to_string()))?;
    errln!("stopped");
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits() {
        assert_eq!(
            parse_rate_limit("10/600"),
            Ok(RateLimit {
                calls: 10,
                window: Duration::from_secs(600)
            })
        );
        assert_eq!(
            parse_rate_limit("3/0.5").unwrap().window,
            Duration::from_millis(500)
        );
        assert!(parse_rate_limit("0/10").is_err());
        assert!(parse_rate_limit("10").is_err());
        assert!(parse_rate_limit("10/-1").is_err());
    }
}
