"""A Lambda Runtime API on loopback that measures a function binary, for scripts/bench.

  init BINARY RUNS [NAME]
      Starts BINARY RUNS times and prints, per start, the milliseconds from just before
      the process is spawned to its first GET of /2018-06-01/runtime/invocation/next;
      then the median and 90th percentile. The process is killed at that first poll.

  memory BINARY EVENT COUNT NAME [VARY [TOKENS_FILE]]
      Starts BINARY once, hands it COUNT events made from EVENT (a JSON file), and prints
      the peak resident memory (VmHWM from /proc/PID/status), the resident memory at the
      end, the answers by status code, and the mean wall time per invocation. VARY says
      how each event differs from the last, so that every one does the whole of its use
      case instead of meeting a rule that refuses it:
        same     the event as it is, every time
        invite   the body invites a new address each time
        accept   the body carries the next token of TOKENS_FILE, one per line
        swap     the seat moves back and forth: every other event swaps the member in the
                 path with the one in the body's from_member_id

The function gets the environment a deployed function of the SAM template gets: Lambda's
own variables and the template's, taken from this process's environment for the store
and mail settings (TABLE_NAME or DATA_DIR, MAIL_TRANSPORT, AWS endpoints).
"""

import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NEXT = "/2018-06-01/runtime/invocation/next"


class Runtime:
    def __init__(self):
        self.first_poll = threading.Event()
        self.polled_at = 0
        self.events = queue.Queue()
        self.answers = queue.Queue()
        runtime = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path != NEXT:
                    self.send_error(404)
                    return
                if not runtime.first_poll.is_set():
                    runtime.polled_at = time.perf_counter_ns()
                    runtime.first_poll.set()
                event = runtime.events.get()
                if event is None:
                    # Hold the poll open; the process is about to be killed.
                    time.sleep(3600)
                    return
                body = event.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Lambda-Runtime-Aws-Request-Id", str(uuid.uuid4()))
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
                self.send_header(
                    "Lambda-Runtime-Invoked-Function-Arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:bench",
                )
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                runtime.answers.put((self.path, body))

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # A measured process is killed with a poll open; its reset is expected.
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.server.server_address[1]}"


def environment(runtime, name):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": runtime.address,
        "AWS_LAMBDA_FUNCTION_NAME": f"teamseats-{name}",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/teamseats-{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/15/[$LATEST]3f9c1e7a2b4d4c8e9a0b1c2d3e4f5a6b",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": "WARN",
        "_HANDLER": "bootstrap",
        "TZ": ":UTC",
        "SENDER_ADDRESS": "teamseats@example.com",
        "PUBLIC_BASE_URL": "https://api.example.com/accept",
        "APP_URL": "https://app.example.com",
    }
    for key in (
        "TABLE_NAME",
        "DATA_DIR",
        "DAILY_INVITE_LIMIT",
        "RESEND_COOLDOWN_SECONDS",
        "RESEND_DAILY_CAP",
        "MAIL_TRANSPORT",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_EC2_METADATA_DISABLED",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SESV2",
        "SSL_CERT_FILE",
    ):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def measure_init(binary, runs, name):
    times = []
    for _ in range(runs):
        runtime = Runtime()
        started = time.perf_counter_ns()
        process = subprocess.Popen(
            [binary], env=environment(runtime, name), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if not runtime.first_poll.wait(10):
            process.kill()
            sys.exit(f"{binary} did not poll within 10 s")
        times.append((runtime.polled_at - started) / 1e6)
        process.kill()
        process.wait()
        runtime.server.shutdown()
    times.sort()
    p90 = times[min(len(times) - 1, int(round(0.9 * len(times))) - 1)]
    print(
        json.dumps(
            {
                "function": name,
                "runs": runs,
                "median_ms": round(statistics.median(times), 2),
                "p90_ms": round(p90, 2),
                "min_ms": round(times[0], 2),
            }
        )
    )


def varied_events(event_path, vary, tokens_path):
    """The events of a memory run, one per invocation, as `vary` makes them differ."""
    with open(event_path) as f:
        template = json.load(f)
    tokens = []
    if vary == "accept":
        with open(tokens_path) as f:
            tokens = [line.strip() for line in f if line.strip()]
    reverse = None
    if vary == "swap":
        member = template["pathParameters"]["member_id"]
        other = json.loads(template["body"])["from_member_id"]
        text = json.dumps(template).replace(member, "{member}").replace(other, "{other}")
        reverse = json.loads(text.replace("{member}", other).replace("{other}", member))
    run = uuid.uuid4().hex[:8]
    n = 0
    while True:
        if vary == "same":
            event = template
        elif vary == "invite":
            event = dict(template, body=json.dumps({"emails": [f"bench-{run}-{n}@acme.example"]}))
        elif vary == "accept":
            if n >= len(tokens):
                sys.exit(f"{tokens_path} holds {len(tokens)} tokens, fewer than the invocations")
            event = dict(template, body=json.dumps({"token": tokens[n]}))
        elif vary == "swap":
            event = template if n % 2 == 0 else reverse
        else:
            sys.exit(f"unknown VARY: {vary} (same, invite, accept, swap)")
        yield json.dumps(event)
        n += 1


def measure_memory(binary, event_path, count, name, vary, tokens_path):
    events = varied_events(event_path, vary, tokens_path)
    runtime = Runtime()
    process = subprocess.Popen(
        [binary], env=environment(runtime, name), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    statuses = {}
    started = None
    for i in range(count):
        runtime.events.put(next(events))
        path, body = runtime.answers.get(timeout=60)
        if i == 0:
            # The first invocation is the cold one; time the warm ones.
            started = time.perf_counter_ns()
        if path.endswith("/error"):
            status = "error"
        else:
            try:
                status = str(json.loads(body).get("statusCode", "ok"))
            except (ValueError, AttributeError):
                status = "ok"
        statuses[status] = statuses.get(status, 0) + 1
    elapsed = time.perf_counter_ns() - started
    with open(f"/proc/{process.pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    process.kill()
    process.wait()
    print(
        json.dumps(
            {
                "function": name,
                "invocations": count,
                "peak_rss_mb": round(int(fields["VmHWM"].split()[0]) / 1024, 1),
                "final_rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
                "warm_ms_per_invocation": round(elapsed / 1e6 / max(count - 1, 1), 3),
                "answers": statuses,
            }
        )
    )


def main():
    mode = sys.argv[1]
    if mode == "init":
        binary, runs = sys.argv[2], int(sys.argv[3])
        name = sys.argv[4] if len(sys.argv) > 4 else os.path.basename(binary)
        measure_init(binary, runs, name)
    elif mode == "memory":
        binary, event, count, name = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
        vary = sys.argv[6] if len(sys.argv) > 6 else "same"
        tokens = sys.argv[7] if len(sys.argv) > 7 else None
        measure_memory(binary, event, count, name, vary, tokens)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
