"""What the benchmark scripts share to run `socialform serve`: start it on a database and
wait for its address, and read its /metrics counters. Imported by bench-apply.sh and
bench-http.sh (their Python parts), not run on its own."""
import os, re, subprocess, time, urllib.request


def serve(bin, work, ws, db, env, *extra):
    """Starts `serve` on database `db` with the workspace `bench` of `ws`'s catalog, rate
    limit off and /metrics on, plus `extra` arguments; its pid goes to work/pid (the shell
    script's trap kills it). Returns the process and its URL."""
    out = open(os.path.join(work, "serve.out"), "w+")
    p = subprocess.Popen([bin, "serve", "--data", db, "--workspace", f"bench={ws}/catalog.toml",
                          "--rate-limit", "0", "--metrics", *extra],
                         stdout=out, stderr=subprocess.DEVNULL, env=env)
    open(os.path.join(work, "pid"), "w").write(str(p.pid))
    for _ in range(400):
        out.seek(0)
        m = re.search(r"listening on (\S+)", out.read())
        if m:
            return p, m.group(1)
        if p.poll() is not None:
            break
        time.sleep(0.05)
    raise SystemExit("the server did not start")


def metrics(url, token):
    """The server's counters, by name."""
    req = urllib.request.Request(url + "/metrics", headers={"Authorization": f"Bearer {token}"})
    text = urllib.request.urlopen(req, timeout=10).read().decode()
    return {name: int(n) for name, n in re.findall(r"^(socialform_\w+) (\d+)$", text, re.M)}
