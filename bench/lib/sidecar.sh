# The bench scripts' sidecar: bin/stripe-edge serve started in the background on loopback, waited
# for until it answers. Sourced by bench/<scenario>.sh, which owns the array `pids` (its EXIT trap
# kills them), the folder `work` and `root` (the checkout).

# await_url URL: polls for up to 15 s, exits the script when nothing answers.
await_url() {
  for _ in $(seq 1 150); do curl -s -o /dev/null "$1" && return; sleep 0.1; done
  echo "no answer from $1" >&2; exit 1
}

# start_sidecar PORT ADMIN_PORT UPSTREAM CONFIG_FILE: the edge, logging to $work/edge.log; returns
# once /healthz answers, its pid appended to `pids`.
start_sidecar() {
  "$root/bin/stripe-edge" serve --config "$4" --port "$1" --admin-port "$2" --upstream "$3" \
    >"$work/edge.log" 2>&1 &
  pids+=($!)
  await_url "http://127.0.0.1:$1/healthz"
}
