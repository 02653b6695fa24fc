"""The two steps of scripts/fuzz that are easier in Python than in the shell.

Usage:
  fuzz_support.py setup BASE_URL DATA_DIR CONFIG_OUT
  fuzz_support.py count NDJSON_REPORT

`setup` gives a fresh local runner, through its HTTP API only, an account whose owner,
admin and regular user have joined, a member whose trial has ended, and invitations that
are pending (one on a trial, one holding a paid seat), accepted, revoked and expired. It
writes a schemathesis configuration whose dictionaries hand those real ids, addresses and
tokens to most generated requests, so that they reach the rules rather than stopping at
"not found", and prints the addresses of the owner, the admin and the user, one a line.

`count` prints how many requests a schemathesis run made, from its NDJSON report: one per
test case and stateful step, plus its start-up probes.
"""

import json
import pathlib
import re
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

DOMAIN = "fuzz.test"
OWNER = f"owner@{DOMAIN}"
ADMIN = f"admin@{DOMAIN}"
USER = f"user@{DOMAIN}"


class Api:
    def __init__(self, base_url, data_dir):
        self.base_url = base_url.rstrip("/")
        self.outbox = pathlib.Path(data_dir) / "outbox"

    def call(self, method, path, user=None, body=None, expect=200):
        request = urllib.request.Request(self.base_url + path, method=method)
        if user:
            request.add_header("X-Local-User", user)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, data=data, timeout=10) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if status != expect:
            sys.exit(f"setting up: {method} {path} answered {status}, not {expect}: {text}")
        return json.loads(text)

    def invite(self, account, email, **options):
        body = {"emails": [email], **options}
        answer = self.call("POST", f"/accounts/{account}/invitations", OWNER, body)
        return answer["results"][0]["invitation_id"]

    def token(self, invitation):
        """The token in the newest email for an invitation."""
        emails = sorted(self.outbox.glob(f"*-{invitation}.eml"))
        if not emails:
            sys.exit(f"setting up: no email was written for {invitation}")
        found = re.search(r"token=([A-Za-z0-9._-]+)", emails[-1].read_text())
        if not found:
            sys.exit(f"setting up: the email for {invitation} has no accept link")
        return found.group(1)

    def join(self, account, email, **options):
        invitation = self.invite(account, email, **options)
        token = self.token(invitation)
        member = self.call("POST", "/invitations/accept", body={"token": token})
        return invitation, token, member["member_id"]


def setup(base_url, data_dir, config_out):
    api = Api(base_url, data_dir)
    created = api.call(
        "POST",
        "/accounts",
        body={"name": "Fuzz", "owner_email": OWNER, "seats": 10},
        expect=201,
    )
    account = created["account_id"]
    invitations, tokens = [], []
    members = [created["owner_member_id"]]

    # A trial that has ended and an invitation that expired: the daily run, a week on.
    lapsed = api.join(account, f"lapsed@{DOMAIN}")
    expired = api.invite(account, f"expired@{DOMAIN}")
    later = datetime.now(timezone.utc) + timedelta(days=8)
    api.call("POST", "/local/daily", body={"now": later.strftime("%Y-%m-%dT%H:%M:%SZ")})
    members.append(lapsed[2])
    invitations += [lapsed[0], expired]
    tokens += [lapsed[1], api.token(expired)]

    # The roles the fuzzer calls as, on running trials.
    for email, role in ((ADMIN, "admin"), (USER, "user")):
        invitation, token, member = api.join(account, email, role=role)
        invitations.append(invitation)
        tokens.append(token)
        members.append(member)

    # Pending invitations, one holding a paid seat, and one revoked.
    for email, seat in ((f"pending@{DOMAIN}", "trial"), (f"reserved@{DOMAIN}", "paid")):
        invitation = api.invite(account, email, seat=seat)
        invitations.append(invitation)
        tokens.append(api.token(invitation))
    withdrawn = api.invite(account, f"withdrawn@{DOMAIN}")
    api.call("DELETE", f"/accounts/{account}/invitations/{withdrawn}", OWNER)
    invitations.append(withdrawn)
    tokens.append(api.token(withdrawn))

    addresses = [OWNER, ADMIN, USER, f"lapsed@{DOMAIN}", f"pending@{DOMAIN}"]
    pathlib.Path(config_out).write_text(
        config(account, members, invitations, tokens, addresses)
    )
    print(OWNER, ADMIN, USER, sep="\n")


def config(account, members, invitations, tokens, addresses):
    def values(items):
        return json.dumps(items)

    return f"""\
# Written by scripts/fuzz_support.py for one fuzzing run.
# No state kept between runs, so that one run is like the next and leaves no files.
cache = {{ enabled = false }}

[dictionaries]
accounts = {{ values = {values([account])} }}
members = {{ values = {values(members)} }}
invitations = {{ values = {values(invitations)} }}
tokens = {{ values = {values(tokens)} }}
addresses = {{ values = {values(addresses)} }}

[parameters]
"path.account_id" = {{ dictionary = "accounts", probability = 0.9 }}
"path.member_id" = {{ dictionary = "members", probability = 0.8 }}
"path.invitation_id" = {{ dictionary = "invitations", probability = 0.8 }}
"query.token" = {{ dictionary = "tokens", probability = 0.7 }}
"body.token" = {{ dictionary = "tokens", probability = 0.7 }}
"body.from_member_id" = {{ dictionary = "members", probability = 0.5 }}
"body.emails[*]" = {{ dictionary = "addresses", probability = 0.2 }}
"""


def count(report):
    requests = 0
    with open(report) as events:
        for event in map(json.loads, events):
            if "ScenarioFinished" in event:
                recorder = event["ScenarioFinished"]["recorder"]
                requests += len(recorder.get("interactions", {}))
            elif "PhaseFinished" in event:
                payload = event["PhaseFinished"].get("payload") or {}
                probes = payload.get("probes", []) if isinstance(payload, dict) else []
                requests += sum(1 for probe in probes if probe.get("request"))
    print(requests)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "setup":
        setup(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "count":
        count(sys.argv[2])
    else:
        sys.exit(__doc__)
