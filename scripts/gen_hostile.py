#!/usr/bin/env python3
"""Writes a hostile socialform configuration of size N, for the scale benchmark.

usage: gen_hostile.py KIND N DIR [--variant b]

Each KIND grows one thing that a pull request controls and that once made a path of
socialform quadratic in its input; DIR receives socialform.toml and a catalog.toml.

  errors     N profiles, each with a bad colour: N diagnostics in one file
  missing    N profiles, each without its required account: N resources that do not decode
  wrongtype  one mailbox with N folders written as numbers: N values left out of one table
  tokens     one Facebook greeting, on one line, with N unsupported `{{...}}` tokens
  longline   one profile written as one inline table on one line of N bad values
  tags       one proactive message with N distinct tags (a list without a platform limit)
  dup_tags   one proactive message with the same tag N times (N diagnostics)
  members    N profiles and one group naming every one of them, and N unknown ones
  when       one proactive message whose `when` joins N conditions
  flows      N live chat profiles whose start flows are unknown, against a catalog of N flows
  mailboxes  N mailboxes whose reply profiles name unknown profiles, with N x profiles
  worddiff   one proactive message whose text is N words (with --variant b: other words)
  order      `[contacts] order` naming N attributes, all declared

The catalog knows the brand, channel and flows the configurations refer to (except the
unknown flows of `flows`), so `plan` goes as far as the diff.
"""
import argparse
import os

BASE = '[workspace]\nname = "hostile"\n\n'

CATALOG = '''flows = ["welcome"{extra_flows}]
platform_attributes = ["email"]

[[brands]]
name = "acme"
channels = ["web"]

[[channels]]
name = "web"
schedules = []
'''

PROACTIVE = '''[proactive_messages.m]
name = "Message"
brand = "acme"
channel = "web"
message = {message}
frequency = "once_per_visit"
response = {{ type = "agent", follow_up = "An agent will join you." }}
trigger = {{ event = "page_view", after = "30s" }}
{rest}
'''


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(kind, n, variant):
    extra_flows = ""
    body = BASE
    if kind == "errors":
        for i in range(n):
            body += f'[profiles.p{i}]\nchannel = "live_chat"\ncolor = "red"\n\n'
    elif kind == "missing":
        for i in range(n):
            body += f'[profiles.p{i}]\nchannel = "x"\n\n'
    elif kind == "wrongtype":
        body += '[mailboxes."Care".folders]\n' + "".join(f"k{i} = 1\n" for i in range(n))
    elif kind == "tokens":
        greeting = "Hello " + " ".join("{{bad%d}}" % i for i in range(n))
        body += f'[profiles.fb]\nchannel = "facebook"\naccount = "1"\ngreeting = {quote(greeting)}\n'
    elif kind == "longline":
        items = ", ".join(f'{{ label = "", flow = "f{i}" }}' for i in range(n))
        body += f'profiles.chat = {{ channel = "live_chat", attached_quick_replies = [{items}] }}\n'
    elif kind == "tags":
        tags = ", ".join(quote(f"tag{i}") for i in range(n))
        body += PROACTIVE.format(
            message=quote("Hi"), rest=f'tags = [{tags}]\nwhen = \'device.language is "fr"\'\n'
        )
    elif kind == "dup_tags":
        tags = ",\n  ".join(quote("same") for _ in range(n))
        body += PROACTIVE.format(
            message=quote("Hi"), rest=f'tags = [\n  {tags},\n]\nwhen = \'device.language is "fr"\'\n'
        )
    elif kind == "members":
        for i in range(n):
            body += f'[profiles.p{i}]\nchannel = "live_chat"\n\n'
        names = ", ".join(quote(f"p{i}") for i in range(n))
        unknown = ", ".join(quote(f"q{i}") for i in range(n))
        body += f"[groups.all]\nprofiles = [{names}, {unknown}]\n"
    elif kind == "when":
        expr = " and ".join(f'visitor.page_url contains_any ["/p{i}"]' for i in range(n))
        body += PROACTIVE.format(message=quote("Hi"), rest=f"when = {quote(expr)}\n")
    elif kind == "flows":
        extra_flows = "".join(f', "flow{i}"' for i in range(n))
        for i in range(n):
            body += f'[profiles.p{i}]\nchannel = "live_chat"\nstart_flow = "missing{i}"\n\n'
    elif kind == "mailboxes":
        for i in range(n):
            body += f'[profiles.x{i}]\nchannel = "x"\naccount = "@a{i}"\n\n'
        for i in range(n):
            body += f'[mailboxes."Box {i}".reply_profiles]\nx = "nobody{i}"\n\n'
    elif kind == "worddiff":
        word = "old" if variant == "a" else "new"
        message = " ".join(f"{word}{i}" for i in range(n))
        body += PROACTIVE.format(message=quote(message), rest='when = \'device.language is "fr"\'\n')
    elif kind == "order":
        for i in range(n):
            body += f'[contact_attributes.a{i}]\ntype = "text"\n\n'
        names = ", ".join(quote(f"a{i}") for i in range(n))
        body += f"[contacts]\norder = [{names}]\n"
    else:
        raise SystemExit(f"unknown kind {kind}")
    return body, CATALOG.format(extra_flows=extra_flows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind")
    ap.add_argument("n", type=int)
    ap.add_argument("dir")
    ap.add_argument("--variant", default="a", choices=["a", "b"])
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    body, catalog = generate(args.kind, args.n, args.variant)
    with open(os.path.join(args.dir, "socialform.toml"), "w") as f:
        f.write(body)
    with open(os.path.join(args.dir, "catalog.toml"), "w") as f:
        f.write(catalog)


if __name__ == "__main__":
    main()
