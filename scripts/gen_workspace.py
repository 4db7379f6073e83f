#!/usr/bin/env python3
"""Writes a large socialform workspace for benchmarks.

usage: gen_workspace.py DIR [--profiles N] [--drift PERCENT [--bin SOCIALFORM]]

The workspace has N profiles across every channel (split over several files), 20 groups
(nested), 140 proactive messages (both condition forms), 200 contact attributes, a
mailbox with folders, and a sandbox catalog that knows every referenced account and flow.

With --drift, it also writes the sandbox state that `socialform apply` would leave, then
edits PERCENT% of the managed resources (spread evenly) the way a hand edit in the
platform's UI does (`socialform sandbox edit`): a field changes and the version moves,
the applied hash does not; `plan` then shows each of them as one drifted update. A
thousand `sandbox edit` runs would take longer than the benchmark, so the state is built
here from what `socialform plan --format json` reports against an empty platform, in the
sandbox's old JSON format (DIR/.socialform/sandbox.json: same fields, marks, hashes and
versions), which the next run migrates into DIR/.socialform/sandbox.db once. SOCIALFORM
is the binary used for that (default:
$CARGO_TARGET_DIR/release/socialform, else target/release/socialform).
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

CHANNELS = ["x", "facebook", "instagram", "whatsapp", "live_chat"]


def profile(i, ch):
    pid = f"p{i:05}"
    if ch == "x":
        return pid, f'''[profiles.{pid}]
channel = "x"
account = "@acct{i:05}"
color = "#1D9BF0"
name = "Care desk {i}"
bio = "Customer care desk number {i}, answering every day."
welcome_message = "Hello! How can we help?"
quick_replies = [{{ label = "Status", flow = "status" }}, {{ label = "Refund", flow = "refunds" }}]
'''
    if ch == "facebook":
        return pid, f'''[profiles.{pid}]
channel = "facebook"
account = "{1000000 + i}"
greeting = "Hello {{{{user_first_name}}}}, welcome to desk {i}."
ice_breakers = [{{ question = "Where is my order?", flow = "status" }}, {{ question = "Refund", flow = "refunds" }}]
persistent_menu = [{{ label = "Website", url = "https://example.com/{i}" }}]
'''
    if ch == "instagram":
        return pid, f'''[profiles.{pid}]
channel = "instagram"
account = "{2000000 + i}"
get_started = {{ flow = "welcome" }}
'''
    if ch == "whatsapp":
        return pid, f'''[profiles.{pid}]
channel = "whatsapp"
account = "{3000000 + i}"
about = "Desk {i}"
address = "{i} Main Street"
description = "Support desk {i}"
vertical = "retail"
'''
    return pid, f'''[profiles.{pid}]
channel = "live_chat"
start_flow = "welcome"
attached_quick_replies = [{{ label = "Agent", flow = "status" }}]
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--profiles", type=int, default=10_000)
    ap.add_argument("--drift", type=float, metavar="PERCENT",
                    help="also write an applied sandbox state with PERCENT%% of its managed resources edited by hand")
    ap.add_argument("--bin", help="the socialform binary used by --drift")
    args = ap.parse_args()
    d = args.dir
    os.makedirs(os.path.join(d, "profiles"), exist_ok=True)
    with open(os.path.join(d, "socialform.toml"), "w") as f:
        f.write('[workspace]\nname = "bench"\n\n[messaging]\nconversation_control = "release"\n')
    ids = []
    accounts = []
    files = {}
    for i in range(args.profiles):
        ch = CHANNELS[i % len(CHANNELS)]
        pid, text = profile(i, ch)
        ids.append((pid, ch))
        if ch != "live_chat":
            acct = {"x": f"@acct{i:05}", "facebook": str(1000000 + i), "instagram": str(2000000 + i), "whatsapp": str(3000000 + i)}[ch]
            accounts.append((ch, acct))
        files.setdefault(i // 1000, []).append(text)
    for n, texts in files.items():
        with open(os.path.join(d, "profiles", f"batch{n:02}.toml"), "w") as f:
            f.write("\n".join(texts))
    with open(os.path.join(d, "groups.toml"), "w") as f:
        for g in range(19):
            members = ", ".join(f'"{pid}"' for pid, _ in ids[g * 20: g * 20 + 19])
            f.write(f'[groups.g{g:02}]\nname = "Group {g}"\nprofiles = [{members}]\n\n')
        subs = ", ".join(f'"g{g:02}"' for g in range(19))
        f.write(f'[groups.all]\ngroups = [{subs}]\n')
    with open(os.path.join(d, "contacts.toml"), "w") as f:
        f.write('[contacts]\nmatching_attribute = "email"\n\n[contact_attributes.email]\nenabled = true\n\n')
        for a in range(199):
            if a % 2:
                f.write(f'[contact_attributes.attr{a:03}]\nlabel = "Attribute {a}"\ntype = "dropdown"\noptions = ["A", "B", "C"]\n\n')
            else:
                f.write(f'[contact_attributes.attr{a:03}]\nlabel = "Attribute {a}"\ntype = "text"\n\n')
    with open(os.path.join(d, "proactive.toml"), "w") as f:
        for m in range(140):
            cond = (
                f"when = 'visitor.page_url contains_any [\"/p{m}\", \"/q{m}\"] and (device.language is \"fr\" or visitor.visit_history is new_user)'"
                if m % 2 else
                f'conditions = {{ all = [{{ field = "visitor.page_url", op = "is", value = "/p{m}" }}] }}'
            )
            f.write(f'''[proactive_messages.m{m:03}]
name = "Message {m}"
brand = "acme"
channel = "web"
message = "Need help with page {m}?"
frequency = "once_per_visit"
response = {{ type = "agent", follow_up = "An agent is coming." }}
trigger = {{ event = "page_view", after = "30s" }}
{cond}

''')
    with open(os.path.join(d, "mailboxes.toml"), "w") as f:
        x = next(pid for pid, ch in ids if ch == "x")
        f.write(f'[mailboxes."Care".reply_profiles]\nx = "{x}"\n\n[mailboxes."Care".folders."VIP".reply_profiles]\nx = "default"\n')
    with open(os.path.join(d, "catalog.toml"), "w") as f:
        f.write('flows = ["welcome", "status", "refunds"]\nplatform_attributes = ["email"]\n\n')
        for ch, acct in accounts:
            f.write(f'[[accounts]]\nchannel = "{ch}"\naccount = "{acct}"\ndisplay_name = "{acct}"\n\n')
        f.write('[[brands]]\nname = "acme"\nchannels = ["web"]\n\n[[channels]]\nname = "web"\nschedules = ["Office"]\n\n')
        f.write('[[mailboxes]]\nname = "Care"\ntopics = ["T"]\nfolders = [{ name = "VIP", custom = true }]\n\n')
        f.write('[[topics]]\nname = "T"\naccounts = [' + ", ".join(f'"{a}"' for _, a in accounts) + ']\n')
    if args.drift is not None:
        write_state(d, args.drift, args.bin or default_bin())


# --drift: the sandbox state an apply leaves, then hand edits. Mirrors src/backend/sandbox.rs
# (State::initial, Sandbox::apply) and src/model.rs (Resource::key, Resource::hash).

PLATFORM_FIELDS = ("display_name", "platform")
DISPLAY_FIELDS = ("when",)
MANAGER = "socialform"


def default_bin():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(root, "target")
    return os.path.join(target, "release", "socialform")


def as_id(word):
    out = "".join(c.lower() if c.isascii() and c.isalnum() else "_" for c in word)
    if not (out[:1].isascii() and out[:1].islower()):
        out = "p" + out
    return out[:63]


def key(r):
    ch = r["fields"].get("channel")
    if r["kind"] == "profile" and ch not in (None, "live_chat") and "account" in r["fields"]:
        return f"account:{ch}:{r['fields']['account']}"
    return r["address"]


def resource_hash(r):
    fields = {k: v for k, v in r["fields"].items() if k not in PLATFORM_FIELDS + DISPLAY_FIELDS}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = f"{r['address']}\n{r['kind']}\n{canonical}"
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def desired_resources(d, bin, catalog, workspace):
    """Every desired resource with all its fields, in the plan's order: the plan of the
    configuration against a platform holding nothing, where every change is a create."""
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty.json")
        with open(empty, "w") as f:
            json.dump({"format_version": 1, "workspace": workspace, "revision": 0,
                       "catalog": catalog, "resources": []}, f)
        # A copy of the configuration, planned against the empty state (named on the
        # command line: a configuration names no file outside its directory).
        cfg = os.path.join(tmp, "cfg")
        shutil.copytree(d, cfg, ignore=shutil.ignore_patterns(".*", "catalog.toml"))
        out = subprocess.run([bin, "plan", cfg, "--format", "json", "--no-color",
                              "--sandbox", empty],
                             check=True, capture_output=True, text=True).stdout
    plan = json.loads(out)
    resources = []
    for c in plan["changes"]:
        assert c["action"] == "create", c
        fields = {}
        for fc in c["fields"]:
            assert "." not in fc["path"], fc
            fields[fc["path"]] = fc["after"]
        resources.append({"address": c["address"], "kind": c["kind"], "fields": fields})
    return resources


def edit(r):
    """One hand edit in the platform's UI."""
    f, kind = r["fields"], r["kind"]
    if kind == "profile":
        f["color"] = "#000000" if f.get("color") != "#000000" else "#FFFFFF"
    elif kind == "group":
        f["name"] = f.get("name", "") + " (edited in the UI)"
    elif kind == "contact_attribute":
        if "label" in f:
            f["label"] += " (edited in the UI)"
        else:
            f["enabled"] = not f.get("enabled", True)
    elif kind == "proactive_message":
        f["message"] += " (edited in the UI)"
    elif kind == "contacts":
        f["vip"] = not f.get("vip", False)
    elif kind == "messaging":
        f["routing"] = "assigned" if f.get("routing") != "assigned" else "broadcast"
    elif kind == "reply_profiles":
        f["x"] = "default" if f.get("x") != "default" else None
    else:
        raise ValueError(kind)


def write_state(d, percent, bin):
    import tomllib  # Python 3.11+; only --drift needs it
    with open(os.path.join(d, "socialform.toml"), "rb") as f:
        workspace = tomllib.load(f)["workspace"]["name"]
    with open(os.path.join(d, "catalog.toml"), "rb") as f:
        catalog = tomllib.load(f)
    # In the order of the Catalog struct, defaults filled in, as the sandbox writes it.
    catalog = {k: catalog.get(k, []) for k in (
        "flows", "platform_attributes", "accounts", "brands", "channels", "bots", "mailboxes", "topics")}
    # State::initial: the profiles of the connected accounts, the platform attributes.
    resources, revision = [], 0
    for a in catalog.get("accounts", []):
        revision += 1
        resources.append({"resource": {
            "address": "profile." + as_id(f"{a['channel']}_{a['account'].lstrip('@')}"),
            "kind": "profile",
            "fields": {"channel": a["channel"], "account": a["account"], "display_name": a.get("display_name", "")},
        }, "version": revision})
    for name in catalog.get("platform_attributes", []):
        revision += 1
        resources.append({"resource": {"address": f"contact_attribute.{name}", "kind": "contact_attribute",
                                       "fields": {"platform": True, "enabled": True}}, "version": revision})
    # One write per desired resource, in the plan's order: an update of what exists
    # (platform-owned fields kept first), else a create.
    config_id = f"{os.path.basename(os.path.realpath(d))}/{workspace}"
    by_key = {key(r["resource"]): r for r in resources}
    for want in desired_resources(d, bin, catalog, workspace):
        revision += 1
        marks = {"version": revision, "managed_by": MANAGER,
                 "applied_hash": resource_hash(want), "applied_by": config_id}
        own = {k: v for k, v in want["fields"].items() if k not in PLATFORM_FIELDS}
        live = by_key.get(key(want))
        if live is None:
            resources.append({"resource": {**want, "fields": own}, **marks})
        else:
            kept = {k: v for k, v in live["resource"]["fields"].items() if k in PLATFORM_FIELDS}
            live["resource"] = {**want, "fields": {**kept, **own}}
            live.update(marks)
    # Hand edits of PERCENT% of the managed resources, spread evenly.
    managed = [r for r in resources if r.get("managed_by") == MANAGER]
    edited = 0
    for i, r in enumerate(managed):
        if int((i + 1) * percent / 100) > int(i * percent / 100):
            edit(r["resource"])
            r["resource"]["fields"] = {k: v for k, v in r["resource"]["fields"].items() if v is not None}
            revision += 1
            r["version"] = revision
            edited += 1
    state = {"format_version": 1, "workspace": workspace, "revision": revision,
             "catalog": catalog, "resources": resources}
    path = os.path.join(d, ".socialform", "sandbox.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(state, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"{path}: {len(managed)} managed resources, {edited} edited by hand ({percent:g}%)")


if __name__ == "__main__":
    main()
