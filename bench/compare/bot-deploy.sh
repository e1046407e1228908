#!/usr/bin/env bash
# Times the bot's `!deploy now --again` until its results are posted, through the console chat transport: the
# published `chatops run` driven on stdin, on the hosts compare.sh sets up. See bench/README.md, "Rollout vs peers".
#   KEEP=1 SETUP_ONLY=1 bench/compare/compare.sh N heavy     (as root: the hosts, left up)
#   bench/compare/bot-deploy.sh N heavy [RUNS]                (default 5 timed runs after one untimed)
set -euo pipefail
N=${1:?N}; VARIANT=${2:?plain or heavy}; RUNS=${3:-5}
HERE="$(cd "$(dirname "$0")" && pwd)"; OUT="$HERE/results"; mkdir -p "$OUT"
ROOT=/tmp/chatops-compare-$N-$VARIANT
PUB=${PUB:-/tmp/chatops-compare-publish}
[ -f "$ROOT/chatops.json" ] || { echo "no hosts in $ROOT: run KEEP=1 SETUP_ONLY=1 $HERE/compare.sh $N $VARIANT first" >&2; exit 2; }
[ -x "$PUB/chatops" ] || { echo "no published chatops in $PUB (compare.sh publishes it; PUB=DIR for another build)" >&2; exit 2; }

PYTHONPATH="$HERE" python3 - "$PUB/chatops" "$ROOT" "$N" "$RUNS" <<'PY' | tee "$OUT/bot-deploy-$N-$VARIANT.txt"
import statistics, sys, time
from botdriver import Bot, load

chatops, root, n, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
last_host = f"h{n:03d}"
bot = Bot(chatops, f"{root}/chatops.json", f"{root}/bot.log")
say, wait_for = bot.say, bot.wait_for

try:
    ready = bot.wait_ready()
    print(f"# bot !deploy now --again, N={n}, runs={runs}, {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, "
          f"bot ready {ready:.1f} s after start; load: {load()}")
    answers, summaries, posted = [], [], []
    for i in range(runs + 1):
        t0 = say("!deploy now --again")
        t_answer, _ = wait_for(r"rollout #\d+", t0 + 60)
        t_summary, summary = wait_for(r"^\[#releng\] (OK|FAILED|HALTED|CANCELLED|INTERRUPTED): rollout #\d+", t0 + 600)
        t_posted, _ = wait_for(rf"\b{last_host}\b", t0 + 600)
        if not summary.startswith("[#releng] OK"): print("not ok:", summary)
        label = "warm-up (not counted)" if i == 0 else f"run {i}"
        print(f"{label}: answer {t_answer - t0:.2f} s, summary {t_summary - t0:.2f} s, results posted {t_posted - t0:.2f} s; load: {load()}")
        if i > 0:
            answers.append(t_answer - t0); summaries.append(t_summary - t0); posted.append(t_posted - t0)
        time.sleep(1)
    print(f"median of {runs}: answer {statistics.median(answers):.2f} s, summary {statistics.median(summaries):.2f} s, "
          f"results posted {statistics.median(posted):.2f} s (min {min(posted):.2f}, max {max(posted):.2f})")
finally:
    bot.stop()
PY
