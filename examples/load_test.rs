//! Load test of `socialform serve` on loopback (driven by `scripts/load-test.sh`): a fixed
//! number of requests, at a fixed concurrency, within a time limit; 80% page reads of 100
//! resources and 20% updates (each worker updates its own live chat profile with
//! `If-Match` and an idempotency key, so no request should fail). Prints throughput and
//! latency percentiles, and exits 1 on any error or when the time limit is reached.
//!
//! usage: load_test URL WORKSPACE REQUESTS CONCURRENCY TIME_LIMIT_SECS
//! (the token comes from SOCIALFORM_TOKEN)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Shared {
    client: reqwest::Client,
    base: String,
    auth: String,
    next: AtomicUsize,
    total: usize,
    deadline: Instant,
}

async fn worker(s: Arc<Shared>, id: usize) -> (Vec<Duration>, usize) {
    let mut lat = Vec::new();
    let mut errors = 0;
    let address = format!("profile.load{id:03}");
    let fields = |n: usize| json!({"channel": "live_chat", "start_flow": "welcome", "avatar": format!("https://example.com/{n}.png")});
    // Each worker owns one resource: create it (or find it), then update it.
    let body = json!({"resource": {"address": address, "kind": "profile", "fields": fields(0)}});
    let r = s
        .client
        .post(format!("{}/resources", s.base))
        .header("Authorization", &s.auth)
        .header(
            "Idempotency-Key",
            format!("load-create-{id}-{}", rand::random::<u64>()),
        )
        .json(&body)
        .send()
        .await;
    let mut version = match r {
        Ok(r) if r.status().is_success() => r
            .json::<Value>()
            .await
            .ok()
            .and_then(|v| v["version"].as_u64()),
        _ => None,
    };
    if version.is_none() {
        let r = s
            .client
            .get(format!("{}/resources/{address}", s.base))
            .header("Authorization", &s.auth)
            .send()
            .await;
        if let Ok(r) = r {
            version = r
                .json::<Value>()
                .await
                .ok()
                .and_then(|v| v["version"].as_u64());
        }
    }
    let Some(mut version) = version else {
        return (lat, 1);
    };
    loop {
        let n = s.next.fetch_add(1, Ordering::Relaxed);
        if n >= s.total || Instant::now() > s.deadline {
            break;
        }
        let start = Instant::now();
        let ok = if n % 5 == 4 {
            let body =
                json!({"resource": {"address": address, "kind": "profile", "fields": fields(n)}});
            match s
                .client
                .put(format!("{}/resources/{address}", s.base))
                .header("Authorization", &s.auth)
                .header("If-Match", format!("\"{version}\""))
                .header(
                    "Idempotency-Key",
                    format!("load-{n}-{}", rand::random::<u64>()),
                )
                .json(&body)
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => {
                    match r
                        .json::<Value>()
                        .await
                        .ok()
                        .and_then(|v| v["version"].as_u64())
                    {
                        Some(v) => {
                            version = v;
                            true
                        }
                        None => false,
                    }
                }
                _ => false,
            }
        } else {
            match s
                .client
                .get(format!("{}/resources?limit=100", s.base))
                .header("Authorization", &s.auth)
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            }
        };
        lat.push(start.elapsed());
        if !ok {
            errors += 1;
        }
    }
    (lat, errors)
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: load_test URL WORKSPACE REQUESTS CONCURRENCY TIME_LIMIT_SECS");
        return std::process::ExitCode::from(1);
    }
    let token = std::env::var("SOCIALFORM_TOKEN").unwrap_or_default();
    let total: usize = args[3].parse().unwrap_or(10_000);
    let concurrency: usize = args[4].parse().unwrap_or(32);
    let limit = Duration::from_secs(args[5].parse().unwrap_or(60));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let shared = Arc::new(Shared {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client"),
        base: format!(
            "{}/v1/workspaces/{}",
            args[1].trim_end_matches('/'),
            args[2]
        ),
        auth: format!("Bearer {token}"),
        next: AtomicUsize::new(0),
        total,
        deadline: Instant::now() + limit,
    });
    let start = Instant::now();
    let results = rt.block_on(async {
        let handles: Vec<_> = (0..concurrency)
            .map(|i| tokio::spawn(worker(shared.clone(), i)))
            .collect();
        let mut out = Vec::new();
        for h in handles {
            if let Ok(r) = h.await {
                out.push(r);
            }
        }
        out
    });
    let wall = start.elapsed();
    let mut lat: Vec<Duration> = results.iter().flat_map(|(l, _)| l.clone()).collect();
    let errors: usize = results.iter().map(|(_, e)| e).sum();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{} requests ({} errors) in {:.2} s at concurrency {concurrency}: {:.0} req/s; latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        lat.len(),
        errors,
        wall.as_secs_f64(),
        lat.len() as f64 / wall.as_secs_f64(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        lat.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
    );
    if errors > 0 || lat.len() < total {
        eprintln!("the load test did not complete every request without error");
        return std::process::ExitCode::from(1);
    }
    std::process::ExitCode::SUCCESS
}
