# The loopback servers that stand in for AWS, for scripts/test and scripts/bench, which
# source this file. They set `tools` (where npm packages go), `log_dir` (where each
# server's log goes) and a `pids` array that their exit trap kills.
#
#   start_dynamodb   moto's DynamoDB server, one request at a time (scripts/moto_server.py);
#                    sets dynamodb_endpoint
#   start_ses        aws-ses-v2-local, which keeps both parts of every message; sets
#                    ses_endpoint
#
# Each installs its server on first use and starts it once per run.

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() {
  local url=$1 name=$2
  for _ in $(seq 1 100); do
    if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$url" \
      2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "$name did not start; its log:" >&2
  cat "$log_dir/$name.log" >&2
  return 1
}

start_dynamodb() {
  if [ -n "${dynamodb_endpoint:-}" ]; then return 0; fi
  if ! python3 -c 'import moto.server' 2>/dev/null; then
    python3 -m pip install --quiet 'moto[server]'
  fi
  local port
  port=$(free_port)
  python3 scripts/moto_server.py 127.0.0.1 "$port" >"$log_dir/moto.log" 2>&1 &
  pids+=($!)
  dynamodb_endpoint="http://127.0.0.1:$port"
  wait_for "$dynamodb_endpoint/moto-api/" moto
}

start_ses() {
  if [ -n "${ses_endpoint:-}" ]; then return 0; fi
  if [ ! -x "$tools/node_modules/.bin/aws-ses-v2-local" ]; then
    npm install --silent --no-audit --no-fund --prefix "$tools" aws-ses-v2-local@2
  fi
  local port
  port=$(free_port)
  "$tools/node_modules/.bin/aws-ses-v2-local" --host 127.0.0.1 --port "$port" \
    >"$log_dir/aws-ses-v2-local.log" 2>&1 &
  pids+=($!)
  ses_endpoint="http://127.0.0.1:$port"
  wait_for "$ses_endpoint/store" aws-ses-v2-local
}
