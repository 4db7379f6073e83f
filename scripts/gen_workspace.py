#!/usr/bin/env python3
"""Writes a large socialform workspace for benchmarks.

usage: gen_workspace.py DIR [--profiles N] [--drift PERCENT]

The workspace has N profiles across every channel (split over several files), 20 groups
(nested), 140 proactive messages (both condition forms), 200 contact attributes, a
mailbox with folders, and a sandbox catalog that knows every referenced account and flow.
"""
import argparse
import os

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


if __name__ == "__main__":
    main()
