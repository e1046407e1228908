"""Drives the published `chatops run` through its console chat transport (stdin/stdout), for the bench scripts:
say a line, wait for a posted line matching a pattern (with the monotonic time it was read), the load average."""
import queue, re, subprocess, threading, time


class Bot:
    def __init__(self, chatops, config, log):
        self.log = log
        self.proc = subprocess.Popen([chatops, "run", "--config", config], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(log, "w"), text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put((time.monotonic(), l.rstrip("\n"))) for l in self.proc.stdout],
                         daemon=True).start()

    def say(self, text):
        """Types a line; returns when it was sent."""
        self.proc.stdin.write(text + "\n"); self.proc.stdin.flush()
        return time.monotonic()

    def wait_for(self, pattern, deadline):
        """The first line from now on matching pattern, and when it was read; SystemExit at the deadline."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0: raise SystemExit(f"no line matching {pattern!r} in time; bot log: {self.log}")
            try: at, line = self.lines.get(timeout=left)
            except queue.Empty: continue
            if re.search(pattern, line): return at, line

    def wait_ready(self, limit=120):
        """Once the first polls are in, the plan says it would start."""
        started = time.monotonic()
        while True:
            self.say("!deploy plan --again")
            try:
                self.wait_for(r"policy: would start now", time.monotonic() + 2); return time.monotonic() - started
            except SystemExit:
                if time.monotonic() - started > limit: raise

    def stop(self):
        """End of input: the bot finishes what it does and exits."""
        self.proc.stdin.close()
        try: self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired: self.proc.terminate(); self.proc.wait()


def load():
    return " ".join(open("/proc/loadavg").read().split()[:3])
