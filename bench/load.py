"""Load bench (issue 10): 50 concurrent caseworker sessions through the services plus 3 real browser sessions.

For TinyDB and for PostgreSQL: 50 simulated sessions (log in with `services.users.authenticate`, open a client,
fill and save a profiling, choose strategies, write and agree the EGV, close the profiling) run at the same time
in 2 worker processes × 25 threads, while 3 headless-Chromium sessions work a `streamlit run app.py` server on the
same store (sign in, create a client, save a profiling). Every service call is one timed action. Afterwards every
acknowledged write is read back (content, revision, status) and the audit chain is verified.

Sessions start spread over 10 s and pause 0.3–1.0 s between actions like a caseworker (`--burst`: all at
once, no pauses — the worst case; argon2 sign-ins then queue on the CPU). Then the Streamlit server's memory: RSS before and after 8 more browser sessions (signed in, on the profiling
form), divided by 8.

Prints `name: value unit` lines. PostgreSQL: VIERPHASEN_TEST_DATABASE_URL (a fresh database is created on it),
else a throwaway local server with fsync on; without PostgreSQL or Chromium that part is skipped with the reason.
Run: `.venv/bin/python bench/load.py [--burst]` (a few minutes on 2 cores).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SESSIONS = 50
PROCESSES = 2
BROWSER_SESSIONS = 3
RSS_SESSIONS = 8
PASSWORD = "Lagerhalle-2026!"
#: Caseworkers do not all press "Anmelden" in the same millisecond: session starts are spread over this many
#: seconds, and a caseworker pauses between two actions (reading, typing). `--burst`: no spread, no pauses.
START_SPREAD_S = 10.0
THINK_S = (0.3, 1.0)
BURST = "--burst" in sys.argv


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
        for n in range(BROWSER_SESSIONS + RSS_SESSIONS + 1):
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


def lost_writes(target: Target, acknowledged: list[tuple[str, int, str, str, int, str]]) -> tuple[int, bool]:
    """Acknowledged writes that do not read back as acknowledged; and whether the audit chain is intact."""
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
        return lost, store.audit_verify() is None
    finally:
        store.close_store()


# --- the Streamlit server and the browser sessions ----------------------------------------------


class Server:
    def __init__(self, target: Target, log_path: Path):
        from tests.browser.test_happy_path import _free_port

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.log_path = log_path
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=target.env(), stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("streamlit run startete nicht:\n" + log_path.read_text()[-3000:])
            time.sleep(0.3)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmRSS nicht lesbar")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def browser_session(browser, url: str, number: int, *, work: bool) -> object:
    """Sign in; with `work`: create a client, start a profiling, enter the Zielberuf, save. Returns the context."""
    from tests.browser.test_happy_path import click_button, expect_text, go, set_date, settle, type_into

    context = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    settle(page)
    type_into(page, "Benutzername", f"ifk.browser{number:02d}")
    type_into(page, "Passwort", PASSWORD)
    click_button(page, "Anmelden")
    expect_text(page, f"Guten Tag, Browser {number}")
    go(page, "Kunden")
    page.get_by_text("Neue Kundin / neuen Kunden anlegen").click()
    type_into(page, "Kundennummer", f"999D{number:06d}")
    type_into(page, "Vorname", "Erika")
    type_into(page, "Nachname", f"Browser{number:02d}")
    set_date(page, "Geburtsdatum", date(1990, 3, 1 + number))
    click_button(page, "Anlegen")
    expect_text(page, "angelegt und ausgewählt")
    click_button(page, "Neues Profiling")
    expect_text(page, "Basisprofil (Stärken)")
    if work:
        type_into(page, "Zielberuf", f"Kauffrau Büromanagement {number}")
        click_button(page, "Speichern")
        expect_text(page, "Profiling gespeichert")
    return context


def run_browsers(url: str, numbers: range, *, work: bool, errors: list[str], keep: bool = False) -> list:
    """Browser sessions one after another in one Chromium (Playwright's sync API is single-threaded)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.test_happy_path import CHROMIUM, CHROMIUM_ARGS

    contexts = []
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    for number in numbers:
        try:
            contexts.append(browser_session(browser, url, number, work=work))
        except Exception as exc:  # noqa: BLE001 - counted as an error of the run
            errors.append(f"browser {number}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    if keep:
        return [playwright, browser, contexts]
    for context in contexts:
        context.close()
    browser.close()
    playwright.stop()
    return []


# --- one backend ---------------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1] if len(samples) > 1 else samples[0]


def run_backend(target: Target, work_dir: Path, *, measure_rss: bool) -> None:
    prefix = target.backend
    sessions = prepare(target)
    server = Server(target, work_dir / f"streamlit-{prefix}.log")
    browser_errors: list[str] = []
    try:
        # warm up the server process (imports, catalogue, generated models) with one signed-in session
        run_browsers(server.url, range(BROWSER_SESSIONS, BROWSER_SESSIONS + 1), work=False, errors=browser_errors)
        chunks = [[(n, *sessions[n]) for n in range(p, SESSIONS, PROCESSES)] for p in range(PROCESSES)]
        start_at = time.time() + 4.0  # the worker processes import and open their store first
        context = multiprocessing.get_context("spawn")
        with context.Pool(PROCESSES) as pool:
            pending = [pool.apply_async(worker_process, (target, chunk, start_at)) for chunk in chunks]
            time.sleep(max(0.0, start_at - time.time()))
            browsers = threading.Thread(
                target=run_browsers, args=(server.url, range(BROWSER_SESSIONS)),
                kwargs={"work": True, "errors": browser_errors},
            )
            browsers.start()
            outcomes = [result.get(timeout=600) for result in pending]
            browsers.join(timeout=600)
        timings = [ms for outcome in outcomes for _, ms in outcome.timings]
        errors = [error for outcome in outcomes for error in outcome.errors]
        acknowledged = [ack for outcome in outcomes for ack in outcome.acknowledged]
        lost, chain_ok = lost_writes(target, acknowledged)
        print(f"{prefix}_load_sessions: {SESSIONS}")
        print(f"{prefix}_actions: {len(timings)}")
        print(f"{prefix}_action_p50_ms: {percentile(timings, 50):.1f} ms")
        print(f"{prefix}_action_p95_ms: {percentile(timings, 95):.1f} ms")
        print(f"{prefix}_action_p99_ms: {percentile(timings, 99):.1f} ms")
        print(f"{prefix}_errors: {len(errors) + len(browser_errors)}")
        print(f"{prefix}_lost_writes: {lost + SESSIONS - len(acknowledged) - len(errors)}")
        print(f"{prefix}_audit_chain_intact: {'ja' if chain_ok else 'nein'}")
        print(f"{prefix}_browser_sessions: {BROWSER_SESSIONS}")
        by_action: dict[str, list[float]] = {}
        for outcome in outcomes:
            for name, ms in outcome.timings:
                by_action.setdefault(name, []).append(ms)
        for name, samples in by_action.items():
            print(f"{prefix}_{name}_p95_ms: {percentile(samples, 95):.1f} ms")
        for error in (errors + browser_errors)[:10]:
            print(f"# {prefix} Fehler: {error}", file=sys.stderr)

        if measure_rss:
            before = server.rss_mb()
            rss_errors: list[str] = []
            first = BROWSER_SESSIONS + 1
            kept = run_browsers(server.url, range(first, first + RSS_SESSIONS), work=False, errors=rss_errors,
                                keep=True)
            time.sleep(2.0)
            after = server.rss_mb()
            playwright, browser, contexts = kept
            opened = len(contexts)
            for ctx in contexts:
                ctx.close()
            browser.close()
            playwright.stop()
            print(f"rss_server_before_mb: {before:.1f} MB")
            print(f"rss_server_after_mb: {after:.1f} MB")
            print(f"rss_sessions_measured: {opened}")
            if opened:
                print(f"rss_mb_per_session: {(after - before) / opened:.1f} MB")
            for error in rss_errors:
                print(f"# rss Fehler: {error}", file=sys.stderr)
    finally:
        server.stop()


def postgres_target(work_dir: Path) -> tuple[Target | None, object, str]:
    """A fresh database: on VIERPHASEN_TEST_DATABASE_URL's server, else on a throwaway local server."""
    import psycopg

    from tests.contract.pg_server import start_temp_server

    server = None
    base_url = os.environ.get("VIERPHASEN_TEST_DATABASE_URL", "")
    if not base_url:
        try:
            server = start_temp_server(durable=True)
        except (RuntimeError, OSError) as exc:
            return None, None, f"PostgreSQL nicht verfügbar: {exc}"
        base_url = server.url
    name = f"load_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    parts = urllib.parse.urlsplit(base_url)
    return Target("postgres", url=urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))), server, ""


def main() -> None:
    from tests.browser.test_happy_path import CHROMIUM

    if not CHROMIUM.exists():
        print("# übersprungen: Chromium fehlt (apt-get install -y chromium)", file=sys.stderr)
        sys.exit(1)
    with tempfile.TemporaryDirectory(prefix="vierphasen-load-") as tmp:
        work_dir = Path(tmp)
        print(f"load_sessions: {SESSIONS}")
        print(f"load_processes: {PROCESSES}")
        print(f"load_threads_per_process: {SESSIONS // PROCESSES}")
        print(f"cpu_cores: {os.cpu_count()}")
        print(f"load_average_1min_at_start: {os.getloadavg()[0]:.1f}")
        if BURST:
            print("load_mode: burst (all sessions at once, no pauses)")
        else:
            print(f"load_start_spread_s: {START_SPREAD_S:.0f} s")
            print(f"load_think_time_s: {THINK_S[0]}-{THINK_S[1]} s")
        started = time.monotonic()
        run_backend(Target("tinydb", data_dir=str(work_dir / "data")), work_dir, measure_rss=True)
        print(f"tinydb_run_s: {time.monotonic() - started:.1f} s")
        target, pg_server, reason = postgres_target(work_dir)
        if target is None:
            print(f"# PostgreSQL übersprungen: {reason}", file=sys.stderr)
            return
        started = time.monotonic()
        try:
            run_backend(target, work_dir, measure_rss=False)
        except Exception:
            traceback.print_exc()
            raise
        finally:
            if pg_server is not None:
                pg_server.stop()
        print(f"postgres_run_s: {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
