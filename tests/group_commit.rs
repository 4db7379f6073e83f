//! Group commit in `socialform serve`, end to end: the real binary on 127.0.0.1 (an
//! ephemeral port, a SQLite file in a temporary directory, `synchronous = FULL`, its
//! default), many writes in flight at once from a real HTTP client. Every write is
//! answered, the versions handed out are distinct and dense, everything answered is
//! readable, the writes shared commits (`/metrics`), and a kill -9 of the server in the
//! middle of a burst loses no write it answered with a 2xx. Every wait is bounded;
//! servers are killed on drop.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::bin;
use serde_json::{Value, json};

const TOKEN: &str = "tok-group-commit-5b1e07";
const WORKSPACE: &str = "cycle";

/// A running `socialform serve` on a database of its directory, killed on drop.
struct Server {
    child: Child,
    url: String,
    dir: PathBuf,
}

impl Server {
    /// Starts the server on the database and catalog of `dir` (`listen`: an address,
    /// `127.0.0.1:0` for any free port).
    fn start(dir: &Path, listen: &str) -> Server {
        let mut child = Command::new(bin())
            .arg("serve")
            .args(["--listen", listen, "--data"])
            .arg(dir.join("platform.sqlite"))
            .arg("--workspace")
            .arg(format!(
                "{WORKSPACE}={}",
                dir.join("catalog.toml").display()
            ))
            .args(["--rate-limit", "0", "--metrics"])
            .env("SOCIALFORM_SERVE_TOKENS", format!("{WORKSPACE}={TOKEN}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let url = common::listening_on(&mut child, "server");
        Server {
            child,
            url,
            dir: dir.to_path_buf(),
        }
    }

    /// Kills the server with SIGKILL (no chance to finish anything).
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn resources(&self) -> String {
        format!("{}/v1/workspaces/{WORKSPACE}/resources", self.url)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixture() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::root().join("tests/fixtures/cycle/basic/catalog.toml"),
        tmp.path().join("catalog.toml"),
    )
    .unwrap();
    tmp
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn profile(address: &str, flow: &str) -> Value {
    json!({"resource": {"address": address, "kind": "profile",
        "fields": {"channel": "live_chat", "start_flow": flow}}})
}

/// `POST` a new profile; the status and the version answered (`ETag`).
async fn create(
    client: &reqwest::Client,
    server_url: &str,
    address: &str,
) -> reqwest::Result<(u16, Option<u64>)> {
    let resp = client
        .post(format!("{server_url}/v1/workspaces/{WORKSPACE}/resources"))
        .bearer_auth(TOKEN)
        .header("Idempotency-Key", format!("create-{address}"))
        .json(&profile(address, "welcome"))
        .send()
        .await?;
    Ok((resp.status().as_u16(), etag(&resp)))
}

fn etag(resp: &reqwest::Response) -> Option<u64> {
    resp.headers()
        .get("etag")?
        .to_str()
        .ok()?
        .trim_matches('"')
        .parse()
        .ok()
}

/// The workspace's revision and every resource's address and version, read page by page.
async fn read_all(client: &reqwest::Client, server: &Server) -> (u64, BTreeMap<String, u64>) {
    let mut out = BTreeMap::new();
    let mut after: Option<String> = None;
    let mut revision = 0;
    loop {
        let mut req = client.get(server.resources()).bearer_auth(TOKEN);
        if let Some(a) = &after {
            req = req.query(&[("after", a.as_str())]);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let page: Value = resp.json().await.unwrap();
        revision = page["revision"].as_u64().unwrap().max(revision);
        for r in page["resources"].as_array().unwrap() {
            out.insert(
                r["resource"]["address"].as_str().unwrap().to_string(),
                r["version"].as_u64().unwrap(),
            );
        }
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => return (revision, out),
        }
    }
}

async fn metric(client: &reqwest::Client, server: &Server, name: &str) -> u64 {
    let text = client
        .get(format!("{}/metrics", server.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /metrics:\n{text}"))
}

/// 64 writers at once, each creating profiles and then updating its first one on the
/// version it was answered: every write answered 2xx, the versions distinct and exactly
/// the revisions that followed the start, each resource readable at the version its last
/// write was answered with, and fewer commits than writes.
#[test]
fn concurrent_writes_are_all_answered_stored_and_share_commits() {
    const WRITERS: usize = 64;
    const EACH: usize = 6;
    let tmp = fixture();
    let server = Server::start(tmp.path(), "127.0.0.1:0");
    let rt = runtime();
    rt.block_on(async {
        let client = client();
        let (base, before) = read_all(&client, &server).await;
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let client = client.clone();
            let url = server.url.clone();
            tasks.push(tokio::spawn(async move {
                let mut answered = Vec::new();
                for i in 0..EACH {
                    let address = format!("profile.gc_{w}_{i}");
                    let (status, version) = create(&client, &url, &address).await.unwrap();
                    assert_eq!(status, 201, "{address}");
                    answered.push((address, version.expect("an ETag")));
                }
                // An update of the first on the version it was created at.
                let (address, version) = answered[0].clone();
                let resp = client
                    .put(format!(
                        "{url}/v1/workspaces/{WORKSPACE}/resources/{address}"
                    ))
                    .bearer_auth(TOKEN)
                    .header("If-Match", format!("\"{version}\""))
                    .json(&profile(&address, "baggage"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status().as_u16(), 200, "{address}");
                answered.push((address, etag(&resp).expect("an ETag")));
                answered
            }));
        }
        let mut answered = Vec::new();
        for t in tasks {
            answered.extend(t.await.unwrap());
        }
        let writes = WRITERS * (EACH + 1);
        assert_eq!(answered.len(), writes);
        let versions: BTreeSet<u64> = answered.iter().map(|(_, v)| *v).collect();
        assert_eq!(versions.len(), writes, "a version was handed out twice");
        let dense: BTreeSet<u64> = (base + 1..=base + writes as u64).collect();
        assert_eq!(
            versions, dense,
            "the versions are not the revisions that followed"
        );
        let (revision, after) = read_all(&client, &server).await;
        assert_eq!(revision, base + writes as u64);
        assert_eq!(after.len(), before.len() + WRITERS * EACH);
        // The last answer of each address is what is stored.
        let last: BTreeMap<String, u64> = answered.into_iter().collect();
        for (address, version) in &last {
            assert_eq!(after.get(address), Some(version), "{address}");
        }
        let one = format!("{}/profile.gc_0_0", server.resources());
        let resp = client.get(one).bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["resource"]["fields"]["start_flow"], "baggage");
        let counted = metric(&client, &server, "socialform_writes_total").await;
        let commits = metric(&client, &server, "socialform_commits_total").await;
        assert_eq!(counted, writes as u64);
        assert!(
            commits >= 1 && commits < counted,
            "{commits} commits for {counted} writes"
        );
    });
}

/// Writers in a loop until the server is killed with SIGKILL in the middle of their
/// burst; after a restart on the same database every write answered 2xx is there, at
/// the version answered, and the revision is past every version answered.
#[test]
fn a_kill_during_a_burst_loses_no_answered_write() {
    const WRITERS: usize = 32;
    let tmp = fixture();
    let mut server = Server::start(tmp.path(), "127.0.0.1:0");
    let rt = runtime();
    let url = server.url.clone();
    let (stop, acked) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (client, url, stop, acked) = (client(), url.clone(), stop.clone(), acked.clone());
            rt.spawn(async move {
                let mut answered = Vec::new();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let address = format!("profile.burst_{w}_{i}");
                    i += 1;
                    match create(&client, &url, &address).await {
                        Ok((201, Some(version))) => {
                            answered.push((address, version));
                            acked.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok((status, _)) => panic!("{address}: {status}"),
                        // The server is gone: this write may or may not be stored.
                        Err(_) => break,
                    }
                }
                answered
            })
        })
        .collect();
    let start = Instant::now();
    while acked.load(Ordering::Relaxed) < 300 {
        assert!(
            !tasks.iter().all(|t| t.is_finished()),
            "the writers stopped after {} answers",
            acked.load(Ordering::Relaxed)
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "only {} writes answered in 60 s",
            acked.load(Ordering::Relaxed)
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    server.kill();
    stop.store(true, Ordering::Relaxed);
    let answered: Vec<(String, u64)> = rt.block_on(async {
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    assert!(answered.len() >= 300, "{}", answered.len());
    let dir = server.dir.clone();
    drop(server);
    let server = Server::start(&dir, "127.0.0.1:0");
    rt.block_on(async {
        let client = client();
        let (revision, stored) = read_all(&client, &server).await;
        for (address, version) in &answered {
            assert_eq!(
                stored.get(address),
                Some(version),
                "{address} was answered at version {version}, then lost"
            );
        }
        let highest = answered.iter().map(|(_, v)| *v).max().unwrap();
        assert!(revision >= highest, "revision {revision} < {highest}");
        // The server goes on from there: a new write takes the next version.
        let (status, version) = create(&client, &server.url, "profile.after_the_kill")
            .await
            .unwrap();
        assert_eq!((status, version), (201, Some(revision + 1)));
    });
}
