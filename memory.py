"""Memory settings of the server process: large blocks go back to the operating system when they are freed.

Every sign-in checks a password with argon2id, which takes a 7 MiB block for each check (services/users.py).
glibc's malloc raises its mmap threshold to the size of the largest mmapped block freed so far (up to 32 MiB),
so after the first sign-in such a block comes from the heap of the thread's malloc arena instead of a mapping of
its own — and a freed block inside an arena stays in the process's memory. Streamlit runs each session's script
on its own thread, threads spread over up to 8 arenas per core, and so every further session kept about one
such block more (`bench/load.py`: `rss_mb_per_session`). Fixing both thresholds at 4 MiB keeps such a block in a mapping of
its own, returned when freed, and lets an arena give back a free top of more than 4 MiB. Not glibc's initial
128 KiB: with that, every buffer from 128 KiB up (JSON files, messages to the browser) was a fresh mapping, and
the server's CPU per action under 100 sessions doubled (`bench/sessions.py`: 54 ms with 4 MiB, 100 ms with 128 KiB).

Python's cyclic garbage collector: every page run leaves cycles behind (the script's module namespace, the
run's thread and its locks), and by default a full collection ran every 3–6 s under 150 sessions, each walking
every object of the process (the app's modules and catalogue included) for 200–400 ms while no session's
script could run: 6 s of such pauses in a 2-minute run of `bench/sessions.py`. `configure()` therefore moves what
the process holds at its first run (modules, their constants) out of the collector's sight (`gc.freeze()`) and
lets a full collection wait for 100 collections of the middle generation instead of 10 (7 full collections,
2.1 s, in the same run); cycles are still freed, in larger batches.

`configure()` is called once per process before the first page runs (app.py); elsewhere than glibc (no
`mallopt`) it leaves malloc alone.
"""

from __future__ import annotations

import ctypes
import gc
import threading

#: mallopt parameters (glibc's malloc.h) and their value here: far below a sign-in's block, far above common buffers.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
THRESHOLD_BYTES = 4 * 1024 * 1024
#: the collector's thresholds (generation 0 allocations, collections of 0 per 1, collections of 1 per full one)
GC_THRESHOLDS = (700, 10, 100)

_lock = threading.Lock()
_configured: list[bool] = []  # [whether the thresholds are fixed] once configure() ran in this process


def configure() -> bool:
    """Fix malloc's mmap and trim thresholds and tune the garbage collector (once per process); whether malloc's
    thresholds are fixed."""
    with _lock:
        if not _configured:
            _configured.append(_set_thresholds())
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLDS)
        return _configured[0]


def _set_thresholds() -> bool:
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):  # not glibc (musl, macOS): their malloc has no such thresholds
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # mallopt returns 1 on success; setting either threshold also ends glibc's dynamic adjustment of both
    return bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD, THRESHOLD_BYTES))
