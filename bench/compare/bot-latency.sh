#!/usr/bin/env bash
# End-to-end latency of the running bot (issue 17): "merge pushed -> every host updated and results posted", through
# a push hook with a zero quiet window, and the same through `!deploy now`. The published `chatops run` with the
# console chat transport and its web port, on the hosts compare.sh sets up. See bench/README.md, "End-to-end latency".
#   KEEP=1 SETUP_ONLY=1 bench/compare/compare.sh N plain     (as root: the hosts, left up)
#   bench/compare/bot-latency.sh N plain [RUNS]               (default 5 timed runs of each path after one untimed)
set -euo pipefail
N=${1:?N}; VARIANT=${2:?plain or heavy}; RUNS=${3:-5}
HERE="$(cd "$(dirname "$0")" && pwd)"; OUT="$HERE/results"; mkdir -p "$OUT"
ROOT=/tmp/chatops-compare-$N-$VARIANT
PUB=${PUB:-/tmp/chatops-compare-publish}
PORT=${PORT:-18080}
[ -f "$ROOT/chatops.json" ] || { echo "no hosts in $ROOT: run KEEP=1 SETUP_ONLY=1 $HERE/compare.sh $N $VARIANT first" >&2; exit 2; }
[ -x "$PUB/chatops" ] || { echo "no published chatops in $PUB (compare.sh publishes it; PUB=DIR for another build)" >&2; exit 2; }

PYTHONPATH="$HERE" python3 - "$PUB/chatops" "$ROOT" "$N" "$RUNS" "$PORT" <<'PY' | tee "$OUT/bot-latency-$N-$VARIANT.txt"
import json, statistics, subprocess, sys, time, urllib.request
from botdriver import Bot, load

chatops, root, n, runs, port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
last_host = f"h{n:03d}"
upstream = f"{root}/upstream"

# The compare.sh fleet, with the web port open for hooks, a zero quiet window, and polling rare enough that only
# the hook makes the bot look at the repo. A fresh store, so no earlier run's state is in the way.
cfg = json.load(open(f"{root}/chatops.json"))
cfg["dataDir"] = f"{root}/data-latency"
cfg["web"] = {"enabled": True, "url": f"http://127.0.0.1:{port}"}
cfg["policy"] = {"quietMinutes": 0}
cfg["repos"]["repo"]["pollSeconds"] = 3600
subprocess.run(["rm", "-rf", cfg["dataDir"]], check=True)
json.dump(cfg, open(f"{root}/chatops-latency.json", "w"), indent=1)

bot = Bot(chatops, f"{root}/chatops-latency.json", f"{root}/bot-latency.log")
say, wait_for = bot.say, bot.wait_for

def push(i):
    """A new commit on production, then the hook GitHub would send."""
    subprocess.run(["git", "-C", upstream, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "--allow-empty",
                    "-m", f"Bug 1040013 - latency run {i}"], check=True)
    sha = subprocess.run(["git", "-C", upstream, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    t0 = time.monotonic()
    body = json.dumps({"ref": "refs/heads/production", "after": sha, "repository": {"name": "repo", "clone_url": upstream}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/hooks/git?repo=repo", data=body, method="POST",
                                 headers={"Content-Type": "application/json", "X-GitHub-Event": "push"})
    with urllib.request.urlopen(req, timeout=30) as r:
        if r.status != 202: raise SystemExit(f"hook answered {r.status}")
    return t0

def timed(label, start):
    t0 = start()
    t_rollout, _ = wait_for(r"rollout #\d+", t0 + 120)
    t_summary, summary = wait_for(r"^\[#releng\] (OK|FAILED|HALTED|CANCELLED|INTERRUPTED): rollout #\d+", t0 + 600)
    t_posted, _ = wait_for(rf"\b{last_host}\b", t0 + 600)
    if not summary.startswith("[#releng] OK"): print("not ok:", summary)
    print(f"{label}: rollout announced {t_rollout - t0:.2f} s, summary {t_summary - t0:.2f} s, results posted {t_posted - t0:.2f} s; load: {load()}")
    time.sleep(2)
    return t_posted - t0

try:
    started = time.monotonic()
    wait_for(r"ChatOpsReconfig is here", started + 120)
    # The first start only takes the production head as its baseline; once the plan says it would start, an untimed
    # `!deploy now` brings the hosts (one commit behind) to it.
    bot.wait_ready()
    say("!deploy now --again")
    wait_for(r"^\[#releng\] (OK|FAILED|HALTED): rollout #1\b", time.monotonic() + 600)
    wait_for(rf"\b{last_host}\b", time.monotonic() + 600)
    time.sleep(2)
    print(f"# bot latency, N={n}, runs={runs}, {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, "
          f"bot ready {time.monotonic() - started:.1f} s after start; load: {load()}")
    results = {}
    for name, start in (("push + hook, quiet window 0", push), ("!deploy now --again", lambda: say("!deploy now --again"))):
        posted = []
        for i in range(runs + 1):
            t = timed(f"{name}: " + ("warm-up (not counted)" if i == 0 else f"run {i}"), (lambda: start(i)) if start is push else start)
            if i > 0: posted.append(t)
        results[name] = posted
    for name, posted in results.items():
        print(f"median of {runs}, {name}: results posted {statistics.median(posted):.2f} s (min {min(posted):.2f}, max {max(posted):.2f})")
finally:
    bot.stop()
PY
