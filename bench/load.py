"""Load bench (issue 10): 50 concurrent caseworker sessions through the services plus 3 real browser sessions.

For TinyDB and for PostgreSQL: 50 simulated sessions (log in with `services.users.authenticate`, open a client,
fill and save a profiling, choose strategies, write the EGV, close the profiling, agree the EGV) run at the same
time in 2 worker processes × 25 threads, while 3 headless-Chromium sessions, each in its own thread with its own
Chromium, work a `streamlit run app.py` server on the same store at the same time (sign in, create a client,
save a profiling). Every service call is one timed action. Afterwards every acknowledged write is read back:
the simulated sessions' profilings and EGVs (content, revision, status) and the profiling each browser session
was shown "Profiling gespeichert" for; and the audit chain is verified.

Sessions start spread over 10 s and pause 0.3–1.0 s between actions like a caseworker (`--burst`: all at
once, no pauses — the worst case; argon2 sign-ins then queue on the CPU).

Memory (`rss_mb_per_session`): a fresh `streamlit run` server on the TinyDB data, RSS; one browser session
signed in and on the profiling form (the app's modules, catalogue and generated models are loaded once per
process, not per session), RSS; then 8 more such sessions (`--rss-sessions N`), all kept open, RSS again; the
growth divided by their number.
`rss_mb_per_session_incl_startup` spreads the growth from the fresh server over all sessions (an upper bound).

Prints `name: value unit` lines on stdout (diagnostics go to stderr, starting with `#`). PostgreSQL:
VIERPHASEN_TEST_DATABASE_URL (a fresh database is created on it), else a throwaway local server with fsync on;
without PostgreSQL that part is skipped with the reason. Run: `.venv/bin/python bench/load.py [--burst]
[--runs N] [--backend tinydb|postgres] [--no-rss | --rss-only] [--rss-sessions N]` (a few minutes on 2 cores;
`--rss-only`: only the memory part on a fresh TinyDB store, about 2 minutes; `--rss-sessions N`: N sessions
after the first one instead of 8). `--runs N` repeats the load run
N times per backend on a fresh store each (PostgreSQL: a fresh database on the same server), prints every run's
figures with the prefix `<backend>_runK_` and then the median of the runs' action p95
(`<backend>_action_p95_ms_median_of_runs`).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SESSIONS = 50
PROCESSES = 2
BROWSER_SESSIONS = 3
RSS_SESSIONS = int(sys.argv[sys.argv.index("--rss-sessions") + 1]) if "--rss-sessions" in sys.argv else 8
#: Browser user numbers: the load run's sessions, its warm-up, the memory run's first session, then its sessions.
LOAD_WARMUP = BROWSER_SESSIONS
RSS_FIRST = BROWSER_SESSIONS + 1
BROWSER_USERS = BROWSER_SESSIONS + 2 + RSS_SESSIONS
PASSWORD = "Lagerhalle-2026!"
#: Caseworkers do not all press "Anmelden" in the same millisecond: session starts are spread over this many
#: seconds, and a caseworker pauses between two actions (reading, typing). `--burst`: no spread, no pauses.
START_SPREAD_S = 10.0
THINK_S = (0.3, 1.0)
BURST = "--burst" in sys.argv


def _option(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


RUNS = int(_option("--runs", "1"))
BACKENDS = ("tinydb", "postgres") if "--backend" not in sys.argv else (_option("--backend", ""),)


@dataclass(frozen=True)
class Target:
    """Where the store is (picklable for the worker processes)."""

    backend: str
    data_dir: str = ""
    url: str = ""

    def open(self):
        if self.backend == "tinydb":
            from storage.tinydb_store import TinyDBStore

            return TinyDBStore(self.data_dir)
        from storage.postgres_store import PostgresStore

        return PostgresStore(self.url, max_size=12)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("VIERPHASEN_DATA_DIR", "VIERPHASEN_DATABASE_URL")}
        if self.backend == "tinydb":
            env["VIERPHASEN_DATA_DIR"] = self.data_dir
        else:
            env["VIERPHASEN_DATABASE_URL"] = self.url
        return env


@dataclass
class Outcome:
    timings: list[tuple[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: what each session was told was saved: (profiling id, revision, zielberuf, egv id, revision, leistungen)
    acknowledged: list[tuple[str, int, str, str, int, str]] = field(default_factory=list)


# --- setup ---------------------------------------------------------------------------------------


def prepare(target: Target) -> list[tuple[str, str]]:
    """Catalogue, the KDN account, one IFK account and one client per session, the browser accounts.

    Returns (username, client id) per simulated session.
    """
    from schemas.records import Role
    from services.catalogue import ensure_catalogue
    from services.clients import create_client
    from services.users import create_first_admin, create_user

    store = target.open()
    try:
        admin = create_first_admin(store, username="kdn.admin", display_name="KDN Admin", password="Verwaltung-2026!")
        ensure_catalogue(store, actor=admin)
        sessions = []
        for n in range(SESSIONS):
            user = create_user(store, username=f"ifk.last{n:02d}", display_name=f"Fallmanagerin {n}", role=Role.IFK,
                               team=f"Team {n % 5 + 1}", password=PASSWORD, actor=admin)
            client = create_client(store, kundennummer=f"123D{n:06d}", vorname="Maria", nachname=f"Last{n:02d}",
                                   geburtsdatum=date(1980, 1, 1 + n % 28), actor=user)
            sessions.append((user.username, client.id))
        for n in range(BROWSER_USERS):
            create_user(store, username=f"ifk.browser{n:02d}", display_name=f"Browser {n}", role=Role.IFK,
                        team="Team 9", password=PASSWORD, actor=admin)
        return sessions
    finally:
        store.close_store()


# --- the simulated caseworker ------------------------------------------------------------------


def caseworker(store, username: str, client_id: str, number: int, outcome: Outcome, lock: threading.Lock) -> None:
    """One session through the service layer; every service call is a timed action."""
    from services.clients import open_client
    from services.egv import close_egv, draft_egv, save_egv
    from services.profiling import close_profiling, save_profiling, start_profiling
    from services.users import authenticate

    timings: list[tuple[str, float]] = []
    rng = random.Random(number)
    if not BURST:
        time.sleep(rng.uniform(0, START_SPREAD_S))

    def act(name: str, fn, *args, **kwargs):
        if timings and not BURST:
            time.sleep(rng.uniform(*THINK_S))
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        timings.append((name, (time.perf_counter() - started) * 1000))
        return result

    try:
        user = act("anmelden", authenticate, store, username, PASSWORD)
        act("kunde_oeffnen", open_client, store, client_id, actor=user)
        zielberuf = f"Fachkraft Lagerlogistik {number}"
        profiling = act("profiling_beginnen", start_profiling, store, client_id, actor=user)
        profiling.zielberuf = zielberuf
        profiling.kompetenzen = ["Staplerschein", "Teamarbeit"]
        profiling.handlungsbedarfe["schulische_qualifikation"].relevant = True
        profiling.handlungsbedarfe["schulische_qualifikation"].bemerkungen = "Hauptschulabschluss fehlt"
        profiling.integrationsprognose = "marktnah"
        profiling = act("profiling_speichern", save_profiling, store, profiling, actor=user)
        profiling.integrationsziel = "Festanstellung als Fachkraft Lagerlogistik"
        profiling.einverstaendnis = True
        profiling.strategien = {"schulische_qualifikation": ["schulabschluss_erwerben"]}
        profiling.uebergreifend = ["vermittlung_arbeit_ausbildung"]
        profiling = act("strategien_speichern", save_profiling, store, profiling, actor=user)
        egv = act("egv_entwurf", draft_egv, store, profiling.id, actor=user)
        leistungen = f"Bildungsgutschein {number}"
        egv.leistungen_jobcenter = leistungen
        egv.bemuehungen_kunde = "Zwei Bewerbungen je Woche"
        egv.teilschritte = "\n".join(f"{line}bis Monatsende" for line in egv.teilschritte.splitlines())
        egv = act("egv_speichern", save_egv, store, egv, actor=user)
        # An EGV is agreed from a closed profiling only.
        profiling = act("profiling_abschliessen", close_profiling, store, profiling.id,
                        revision=profiling.revision, actor=user)
        egv = act("egv_abschliessen", close_egv, store, egv.id, revision=egv.revision, actor=user)
        with lock:
            outcome.acknowledged.append((profiling.id, profiling.revision, zielberuf, egv.id, egv.revision, leistungen))
    except Exception as exc:  # noqa: BLE001 - every failure is counted and named
        with lock:
            outcome.errors.append(f"{username}: {type(exc).__name__}: {getattr(exc, 'message', exc)}")
    finally:
        with lock:
            outcome.timings.extend(timings)


def worker_process(target: Target, sessions: list[tuple[int, str, str]], start_at: float) -> Outcome:
    """One worker process: its sessions in parallel threads, all starting at `start_at` (wall clock)."""
    store = target.open()
    outcome, lock = Outcome(), threading.Lock()
    try:
        time.sleep(max(0.0, start_at - time.time()))
        with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
            for number, username, client_id in sessions:
                pool.submit(caseworker, store, username, client_id, number, outcome, lock)
    finally:
        store.close_store()
    return outcome


def lost_writes(target: Target, acknowledged: list[tuple[str, int, str, str, int, str]],
                browser_saved: list[tuple[str, str, float]]) -> tuple[int, bool]:
    """Acknowledged writes that do not read back as acknowledged (the simulated sessions' profilings and EGVs, the
    browser sessions' saved profilings, found by Kundennummer and Zielberuf); and whether the audit chain is intact.
    """
    from schemas.records import Egv, Profiling, Status

    store = target.open()
    try:
        lost = 0
        for profiling_id, revision, zielberuf, egv_id, egv_revision, leistungen in acknowledged:
            profiling, egv = store.get(Profiling, profiling_id), store.get(Egv, egv_id)
            if (profiling.revision, profiling.zielberuf, profiling.status) != (revision, zielberuf, Status.ABGESCHLOSSEN):
                lost += 1
            if (egv.revision, egv.leistungen_jobcenter, egv.status) != (egv_revision, leistungen, Status.ABGESCHLOSSEN):
                lost += 1
        for kundennummer, zielberuf, _ in browser_saved:
            client = store.client_by_kundennummer(kundennummer)
            profilings = store.list_for_client(Profiling, client.id) if client is not None else []
            if not any(p.zielberuf == zielberuf and p.status == Status.OFFEN for p in profilings):
                lost += 1
        return lost, store.audit_verify() is None
    finally:
        store.close_store()


# --- the Streamlit server and the browser sessions ----------------------------------------------


class Server:
    """`streamlit run app.py` on the target's store, started by the tests' launcher; RSS read through its pid."""

    def __init__(self, target: Target, log_path: Path):
        from tests.browser.streamlit_server import StreamlitServer

        self._server = StreamlitServer(target.env(), log_path)
        self.url = self._server.url
        self.process = self._server.process
        try:
            self._server.wait()
        except RuntimeError:
            self._server.stop()
            raise

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmRSS nicht lesbar")

    def stop(self) -> None:
        self._server.stop()


def browser_session(browser, url: str, number: int, *, work: bool,
                    saved: list[tuple[str, str, float]] | None = None) -> object:
    """Sign in, create a client, start a profiling; with `work`: enter the Zielberuf and save, and note in `saved`
    what the page acknowledged (Kundennummer, Zielberuf, when). Returns the browser context (still open)."""
    from tests.browser.test_happy_path import (
        TIMEOUT_MS,
        click_button,
        create_client,
        expect_text,
        open_new_client_form,
        settle,
        sign_in,
        type_into,
    )

    context = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(2 * TIMEOUT_MS)  # the browsers share 2 cores with 50 sessions and the server
    page.goto(url)
    settle(page)
    sign_in(page, f"ifk.browser{number:02d}", f"Browser {number}")
    open_new_client_form(page)
    kundennummer = f"999D{number:06d}"
    create_client(page, kundennummer, "Erika", f"Browser{number:02d}", date(1990, 3, 1 + number))
    click_button(page, "Neues Profiling")
    expect_text(page, "Basisprofil (Stärken)")
    if work:
        zielberuf = f"Kauffrau Büromanagement {number}"
        type_into(page, "Zielberuf", zielberuf)
        click_button(page, "Speichern")
        expect_text(page, "Profiling gespeichert")
        saved.append((kundennummer, zielberuf, time.time()))
    return context


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium of this thread (Playwright's sync API belongs to the thread that started it)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.test_happy_path import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_sessions(browser, url: str, numbers: range, *, work: bool, errors: list[str],
                  saved: list[tuple[str, str, float]] | None = None) -> list:
    """Browser sessions one after another; returns the contexts of those that got through (still open)."""
    contexts = []
    for number in numbers:
        try:
            contexts.append(browser_session(browser, url, number, work=work, saved=saved))
        except Exception as exc:  # noqa: BLE001 - counted as an error of the run
            errors.append(f"browser {number}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    return contexts


def run_browsers(url: str, numbers: range, *, work: bool, errors: list[str],
                 saved: list[tuple[str, str, float]] | None = None) -> None:
    """Browser sessions one after another in a Chromium of this thread, closed afterwards."""
    with chromium() as browser:
        open_sessions(browser, url, numbers, work=work, errors=errors, saved=saved)


def start_browsers_in_parallel(url: str, numbers: range, *, errors: list[str],
                               saved: list[tuple[str, str, float]]) -> list[threading.Thread]:
    """One thread with its own Chromium per working browser session, all started at once."""
    threads = [
        threading.Thread(target=run_browsers, args=(url, range(number, number + 1)),
                         kwargs={"work": True, "errors": errors, "saved": saved}, name=f"browser-{number}")
        for number in numbers
    ]
    for thread in threads:
        thread.start()
    return threads


# --- one backend ---------------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1] if len(samples) > 1 else samples[0]


def run_backend(target: Target, work_dir: Path, prefix: str = "") -> float:
    """The 50 simulated sessions and the 3 browser sessions at the same time on one store; prints its figures and
    returns its action p95 (ms)."""
    prefix = prefix or target.backend
    sessions = prepare(target)
    server = Server(target, work_dir / f"streamlit-{prefix}.log")
    browser_errors: list[str] = []
    browser_saved: list[tuple[str, str, float]] = []
    try:
        # warm up the server process (imports, catalogue, generated models) with one signed-in session
        run_browsers(server.url, range(LOAD_WARMUP, LOAD_WARMUP + 1), work=False, errors=browser_errors)
        chunks = [[(n, *sessions[n]) for n in range(p, SESSIONS, PROCESSES)] for p in range(PROCESSES)]
        start_at = time.time() + 4.0  # the worker processes import and open their store first
        context = multiprocessing.get_context("spawn")
        with context.Pool(PROCESSES) as pool:
            pending = [pool.apply_async(worker_process, (target, chunk, start_at)) for chunk in chunks]
            # the browsers launch their Chromium while the workers start; they sign in at about start_at
            browsers = start_browsers_in_parallel(server.url, range(BROWSER_SESSIONS), errors=browser_errors,
                                                  saved=browser_saved)
            outcomes = [result.get(timeout=900) for result in pending]
            simulated_done = time.time()
            for thread in browsers:
                thread.join(timeout=900)
        timings = [ms for outcome in outcomes for _, ms in outcome.timings]
        errors = [error for outcome in outcomes for error in outcome.errors]
        acknowledged = [ack for outcome in outcomes for ack in outcome.acknowledged]
        lost, chain_ok = lost_writes(target, acknowledged, browser_saved)
        # a session that neither got an acknowledgement nor an error lost its write as well
        unanswered = (SESSIONS - len(acknowledged) - len(errors)) + (BROWSER_SESSIONS - len(browser_saved)
                                                                      - len(browser_errors))
        print(f"{prefix}_load_sessions: {SESSIONS} count")
        print(f"{prefix}_browser_sessions: {BROWSER_SESSIONS} count")
        print(f"{prefix}_actions: {len(timings)} count")
        print(f"{prefix}_action_p50_ms: {percentile(timings, 50):.1f} ms")
        print(f"{prefix}_action_p95_ms: {percentile(timings, 95):.1f} ms")
        print(f"{prefix}_action_p99_ms: {percentile(timings, 99):.1f} ms")
        # argon2 sign-ins (deliberately slow, CPU-bound) queue on 2 cores; the rest of the actions on their own
        rest = [ms for outcome in outcomes for name, ms in outcome.timings if name != "anmelden"]
        print(f"{prefix}_action_p95_without_sign_in_ms: {percentile(rest, 95):.1f} ms")
        print(f"{prefix}_errors: {len(errors) + len(browser_errors)} count")
        print(f"{prefix}_browser_errors: {len(browser_errors)} count")
        print(f"{prefix}_lost_writes: {lost + max(0, unanswered)} count")
        print(f"{prefix}_browser_saves_read_back: {len(browser_saved)} count")
        print(f"{prefix}_audit_chain_breaks: {0 if chain_ok else 1} count")
        # both measured from the common start: the browser sessions ran while the simulated ones did
        print(f"{prefix}_simulated_sessions_done_after_s: {simulated_done - start_at:.1f} s")
        if browser_saved:
            print(f"{prefix}_first_browser_save_after_s: {min(at for *_, at in browser_saved) - start_at:.1f} s")
            print(f"{prefix}_last_browser_save_after_s: {max(at for *_, at in browser_saved) - start_at:.1f} s")
        by_action: dict[str, list[float]] = {}
        for outcome in outcomes:
            for name, ms in outcome.timings:
                by_action.setdefault(name, []).append(ms)
        for name, samples in by_action.items():
            print(f"{prefix}_{name}_p95_ms: {percentile(samples, 95):.1f} ms")
        print(f"{prefix}_load_average_1min_at_end: {os.getloadavg()[0]:.1f} tasks")
        for error in (errors + browser_errors)[:10]:
            print(f"# {prefix} Fehler: {error}", file=sys.stderr)
        return percentile(timings, 95)
    finally:
        server.stop()


def measure_rss(target: Target, work_dir: Path) -> None:
    """RSS growth of a fresh Streamlit server per open browser session (see the module docstring)."""
    server = Server(target, work_dir / "streamlit-rss.log")
    errors: list[str] = []
    try:
        fresh = server.rss_mb()
        with chromium() as browser:
            open_sessions(browser, server.url, range(RSS_FIRST, RSS_FIRST + 1), work=False, errors=errors)
            time.sleep(2.0)
            one = server.rss_mb()
            opened = open_sessions(browser, server.url, range(RSS_FIRST + 1, RSS_FIRST + 1 + RSS_SESSIONS),
                                   work=False, errors=errors)
            time.sleep(2.0)
            after = server.rss_mb()
        print(f"rss_server_fresh_mb: {fresh:.1f} MB")
        print(f"rss_server_one_session_mb: {one:.1f} MB")
        print(f"rss_server_with_sessions_mb: {after:.1f} MB")
        print(f"rss_sessions_measured: {len(opened)} count")
        if opened:
            print(f"rss_mb_per_session: {round((after - one) / len(opened), 1) + 0.0:.1f} MB")  # no "-0.0"
            # upper bound: the one-time load of the app (first session) spread over all sessions
            print(f"rss_mb_per_session_incl_startup: {(after - fresh) / (len(opened) + 1):.1f} MB")
        print(f"rss_errors: {len(errors)} count")
        for error in errors:
            print(f"# rss Fehler: {error}", file=sys.stderr)
    finally:
        server.stop()


def postgres_server() -> tuple[str, object, str]:
    """The URL of a PostgreSQL server (VIERPHASEN_TEST_DATABASE_URL, else a throwaway local one with fsync on), the
    throwaway server to stop afterwards (or None), and why there is none ("" if there is)."""
    from tests.contract.pg_server import start_temp_server

    base_url = os.environ.get("VIERPHASEN_TEST_DATABASE_URL", "")
    if base_url:
        return base_url, None, ""
    try:
        server = start_temp_server(durable=True)
    except (RuntimeError, OSError) as exc:
        return "", None, f"PostgreSQL nicht verfügbar: {exc}"
    return server.url, server, ""


def postgres_target(base_url: str) -> Target:
    """A fresh database on the server at `base_url`."""
    import psycopg

    name = f"load_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    parts = urllib.parse.urlsplit(base_url)
    return Target("postgres", url=urllib.parse.urlunsplit(parts._replace(path=f"/{name}")))


def main() -> None:
    from tests.browser.test_happy_path import CHROMIUM

    if not CHROMIUM.exists():
        print("# übersprungen: Chromium fehlt (apt-get install -y chromium)", file=sys.stderr)
        sys.exit(1)
    with tempfile.TemporaryDirectory(prefix="vierphasen-load-") as tmp:
        work_dir = Path(tmp)
        print(f"load_sessions: {SESSIONS} count")
        print(f"load_processes: {PROCESSES} count")
        print(f"load_threads_per_process: {SESSIONS // PROCESSES} count")
        print(f"load_browser_sessions: {BROWSER_SESSIONS} count")
        print(f"cpu_cores: {os.cpu_count()} count")
        print(f"load_average_1min_at_start: {os.getloadavg()[0]:.1f} tasks")
        print(f"load_burst: {int(BURST)} bool")
        print(f"load_start_spread_s: {0 if BURST else START_SPREAD_S:.0f} s")
        print(f"load_think_time_min_s: {0 if BURST else THINK_S[0]} s")
        print(f"load_think_time_max_s: {0 if BURST else THINK_S[1]} s")
        tinydb = Target("tinydb", data_dir=str(work_dir / "data"))
        if "--rss-only" in sys.argv:
            prepare(tinydb)
            measure_rss(tinydb, work_dir)
            return
        p95s: dict[str, list[float]] = {}
        for run in range(1, RUNS + 1) if "tinydb" in BACKENDS else ():
            started = time.monotonic()
            tinydb = Target("tinydb", data_dir=str(work_dir / f"data{run}"))
            p95s.setdefault("tinydb", []).append(
                run_backend(tinydb, work_dir, "tinydb" if RUNS == 1 else f"tinydb_run{run}"))
            print(f"tinydb_run_s: {time.monotonic() - started:.1f} s", flush=True)
        if "--no-rss" not in sys.argv and "tinydb" in BACKENDS:
            measure_rss(tinydb, work_dir)
        if "postgres" in BACKENDS:
            base_url, pg_server, reason = postgres_server()
            if not base_url:
                print(f"# PostgreSQL übersprungen: {reason}", file=sys.stderr)
            try:
                for run in range(1, RUNS + 1) if base_url else ():
                    started = time.monotonic()  # a fresh database each run, on the same server
                    prefix = "postgres" if RUNS == 1 else f"postgres_run{run}"
                    p95s.setdefault("postgres", []).append(run_backend(postgres_target(base_url), work_dir, prefix))
                    print(f"postgres_run_s: {time.monotonic() - started:.1f} s", flush=True)
            finally:
                if pg_server is not None:
                    pg_server.stop()
        for backend, values in p95s.items():
            if len(values) > 1:
                print(f"{backend}_action_p95_ms_median_of_runs: {statistics.median(values):.1f} ms")


if __name__ == "__main__":
    main()
