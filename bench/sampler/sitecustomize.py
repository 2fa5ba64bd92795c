"""Bench-only stack sampler for a `streamlit run` server (bench/sessions.py `--sample`): put this directory on
PYTHONPATH and set VIERPHASEN_BENCH_SAMPLE to a file; a daemon thread then records every thread's stack every
few milliseconds (sys._current_frames), weighted by the CPU time the thread used since the previous sample
(microseconds, from its thread CPU clock; with VIERPHASEN_BENCH_SAMPLE_WALL=1 (`--sample-wall`) every sample
weighs the same, which shows where threads wait), and writes the sums to that file every 5 s. Never part of the
product."""

import os
import sys
import threading
import time
from collections import Counter

_OUT = os.environ.get("VIERPHASEN_BENCH_SAMPLE", "")
#: VIERPHASEN_BENCH_SAMPLE_WALL=1: every sample weighs the same (wall time: where threads wait, not only where they run)
_WALL = os.environ.get("VIERPHASEN_BENCH_SAMPLE_WALL") == "1"
INTERVAL_S = 0.005


def _sample() -> None:
    me = threading.get_ident()
    stacks: Counter = Counter()
    last_write = time.monotonic()
    used: dict[int, float] = {}
    while True:
        time.sleep(INTERVAL_S)
        names = {t.ident: t.name for t in threading.enumerate()}
        for ident, frame in sys._current_frames().items():
            if ident == me:
                continue
            try:
                now = time.clock_gettime(time.pthread_getcpuclockid(ident))
            except (OSError, ProcessLookupError):
                continue
            spent, used[ident] = now - used.get(ident, now), now
            if _WALL:
                spent = INTERVAL_S
            elif spent <= 0:
                continue
            stack = []
            while frame is not None and len(stack) < 60:
                code = frame.f_code
                stack.append(f"{code.co_filename}:{code.co_name}:{frame.f_lineno}")
                frame = frame.f_back
            stacks[(names.get(ident, "?").split("-")[0], tuple(stack))] += int(spent * 1e6)
        if time.monotonic() - last_write > 5:
            last_write = time.monotonic()
            with open(_OUT + ".tmp", "w") as out:
                for (thread, stack), count in stacks.items():
                    out.write(f"{count}\t{thread}\t{'|'.join(stack)}\n")
            os.replace(_OUT + ".tmp", _OUT)


if _OUT:
    threading.Thread(target=_sample, name="bench-sampler", daemon=True).start()
