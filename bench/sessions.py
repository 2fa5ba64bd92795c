"""Streamlit sessions per server process at an action p95 of at most 1 s (issue 19 item 4).

One `streamlit run app.py` server (started like the browser tests start it) on a TinyDB data directory, then on a
throwaway PostgreSQL. One asyncio process opens N sessions to it, each speaking Streamlit's browser protocol over
the websocket `/_stcore/stream` (`StreamlitSession`: BackMsg `rerun_script` with a ClientState out, ForwardMsgs in
until `script_finished`). Each simulated caseworker has its own stored IFK account, client and open profiling
(created beforehand through the services); it signs in (sign-ins are staggered and not timed: argon2 is
deliberately slow), chooses its client on "Kunden", opens the profiling there and then works: an action every
4–6 s, in turn the client list, the profiling, the Akte, the profiling, and a save of the profiling after changing
its Zielberuf. An action is timed from sending its BackMsg to the server's `script_finished`.

N rises in steps (LEVELS); at each step the actions of a WINDOW_S window are timed. The bench stops at the first
step whose p95 exceeds 1 s and prints `<backend>_sessions_per_process_at_p95_1s` (the last step that held), per
step the p95, the actions per second, the server's CPU (cores busy, from /proc/<pid>/stat) and this client's own
CPU, the errors (an exception element, an error message on the page, a rerun that did not finish, a save that
was not acknowledged), and `<backend>_rss_mb_per_session`: the server's RSS growth from one signed-in session to
the largest step that held, per added session.

Run: `.venv/bin/python bench/sessions.py [--backend tinydb|postgres] [--levels 50,100,...]` (5–10 minutes per
backend). `--sample FILE`: the server writes CPU-weighted stack samples to FILE (bench/sampler); `--sample-wall FILE`:
weighted by the time passed instead, which shows where threads wait (a lock, the interpreter lock after a system call). `--selftest [--backend postgres]` signs one caseworker in on a TinyDB (or PostgreSQL) server, opens its profiling and
saves it, and prints `selftest_profiling_page: 1 bool` (tests/ops/test_sessions_bench.py runs it on both).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

LEVELS = (50, 100, 150, 200, 250, 300, 400, 500, 700)
WINDOW_S = 30.0
THINK_S = (4.0, 6.0)
LIMIT_MS = 1000.0
RERUN_TIMEOUT_S = 60.0
#: Sign-ins at the same time while a step's new sessions join (argon2 costs CPU on the server).
SIGN_IN_AT_ONCE = 4
PASSWORD = "Lagerhalle-2026!"
FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
FINISHED_FRAGMENT = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR
#: Element types whose text a page check may look for.
TEXT_ELEMENTS = ("markdown", "heading", "alert", "toast", "text")


class ProtocolError(RuntimeError):
    """The page did not do what a caseworker expects (a widget missing, an error shown, no answer)."""


@dataclass
class Page:
    """What one script run put on the screen: widgets by label, texts, errors."""

    widgets: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # label → [(element type, id)]
    texts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind is None:
            return
        body = getattr(element, kind)
        if kind == "exception":
            self.errors.append(f"exception: {body.type}: {body.message}")
            return
        if kind == "alert" and body.format == body.ERROR:
            self.errors.append(f"error: {body.body}")
        if kind in TEXT_ELEMENTS:
            self.texts.append(body.body)
            return
        widget_id = getattr(body, "id", "")
        if widget_id:
            self.widgets.setdefault(getattr(body, "label", ""), []).append((kind, widget_id))

    def widget(self, label: str) -> str:
        found = self.widgets.get(label)
        if not found:
            raise ProtocolError(f"kein Widget „{label}“ auf der Seite (da: {sorted(self.widgets)[:20]})")
        return found[0][1]

    def shows(self, text: str) -> bool:
        return any(text in body for body in self.texts)


class StreamlitSession:
    """One browser tab's conversation with a Streamlit server over `/_stcore/stream`."""

    def __init__(self, base_url: str) -> None:
        self.ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = None
        self.pages: dict[str, str] = {}  # url path → page script hash
        self.page_hash = ""
        self.page = Page()
        self.values: dict[str, WidgetState] = {}  # widget id → the value this tab sends with every rerun

    @property
    def url_path(self) -> str:
        return next((path for path, page_hash in self.pages.items() if page_hash == self.page_hash), "")

    async def connect(self, path: str = "") -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=RERUN_TIMEOUT_S)
        await self.rerun(page_name=path)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def rerun(self, *, triggers: tuple[str, ...] = (), page_hash: str | None = None,
                    page_name: str = "") -> None:
        """Send a rerun (with the tab's widget values and the given buttons triggered), read until the script
        finished; raise ProtocolError if it shows an error or does not finish."""
        msg = BackMsg()
        state = msg.rerun_script
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        state.page_name = page_name
        state.context_info.timezone = "Europe/Berlin"
        state.context_info.locale = "de-DE"
        state.widget_states.widgets.extend(self.values.values())
        for widget_id in triggers:
            state.widget_states.widgets.add(id=widget_id, trigger_value=True)
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._read_run(), RERUN_TIMEOUT_S)
        if self.page.errors:
            raise ProtocolError("; ".join(self.page.errors)[:300])

    async def _read_run(self) -> None:
        forward = ForwardMsg()
        while True:
            forward.ParseFromString(await self.ws.recv())
            kind = forward.WhichOneof("type")
            if kind == "delta":
                if forward.delta.WhichOneof("type") == "new_element":
                    self.page.add(forward.delta.new_element)
            elif kind == "new_session":
                self.page = Page()
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in forward.navigation.app_pages}
                if forward.navigation.page_script_hash != self.page_hash:
                    self.values.clear()  # another page: its widgets are new
                self.page_hash = forward.navigation.page_script_hash
            elif kind == "script_finished":
                if forward.script_finished == COMPILE_ERROR:
                    raise ProtocolError("Skript nicht übersetzbar")
                if forward.script_finished in (FINISHED, FINISHED_FRAGMENT):
                    return
            elif kind == "page_not_found":
                raise ProtocolError(f"Seite nicht gefunden: {forward.page_not_found.page_name}")

    def set_text(self, label: str, value: str) -> None:
        widget_id = self.page.widget(label)
        self.values[widget_id] = WidgetState(id=widget_id, string_value=value)

    async def click(self, label: str) -> None:
        await self.rerun(triggers=(self.page.widget(label),))

    async def go(self, url_path: str) -> None:
        """Follow a link of the navigation (a new page: its widgets start fresh)."""
        if url_path not in self.pages:
            raise ProtocolError(f"Seite „{url_path}“ nicht in der Navigation ({sorted(self.pages)})")
        self.values.clear()
        await self.rerun(page_hash=self.pages[url_path])

    def expect(self, url_path: str, text: str) -> None:
        if self.url_path != url_path or not self.page.shows(text):
            raise ProtocolError(f"erwartet: Seite „{url_path}“ mit „{text}“; da: „{self.url_path}“, "
                                f"{self.page.texts[:8]}")


# --- the caseworkers -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    username: str
    kundennummer: str


def prepare(target, count: int) -> list[Account]:
    """The KDN account, catalogue, and per caseworker a stored IFK account, a client and an open profiling."""
    from schemas.records import Role
    from services.catalogue import ensure_catalogue
    from services.clients import create_client
    from services.profiling import save_profiling, start_profiling
    from services.users import create_first_admin, create_user

    store = target.open()
    try:
        admin = create_first_admin(store, username="kdn.admin", display_name="KDN Admin", password="Verwaltung-2026!")
        ensure_catalogue(store, actor=admin)
        accounts = []
        for n in range(count):
            user = create_user(store, username=f"ifk.sitzung{n:04d}", display_name=f"Fallmanagerin {n}",
                               role=Role.IFK, team=f"Team {n % 5 + 1}", password=PASSWORD, actor=admin)
            kundennummer = f"321D{n:06d}"
            client = create_client(store, kundennummer=kundennummer, vorname="Maria", nachname=f"Sitzung{n:04d}",
                                   geburtsdatum=date(1980, 1, 1 + n % 28), actor=user)
            save_profiling(store, start_profiling(store, client.id, actor=user), actor=user)
            accounts.append(Account(user.username, kundennummer))
        return accounts
    finally:
        store.close_store()


async def sign_in_and_open_profiling(url: str, account: Account) -> StreamlitSession:
    """Sign in, choose the own client on "Kunden", open its profiling."""
    session = StreamlitSession(url)
    await session.connect()
    session.set_text("Benutzername", account.username)
    session.set_text("Passwort", PASSWORD)
    await session.click("Anmelden")
    session.expect("", "Guten Tag")  # the default page (Start) has the empty path
    await session.go("kunden")
    session.set_text("Kundennummer oder Name", account.kundennummer)
    await session.rerun()
    await session.click("Auswählen")
    await session.click("Öffnen")
    session.expect("profiling", "Basisprofil (Stärken)")
    session.page.widget("Zielberuf")
    return session


async def save_profiling_step(session: StreamlitSession, number: int, step: int) -> None:
    """Change the Zielberuf and press Speichern (one rerun, as after typing and clicking)."""
    session.set_text("Zielberuf", f"Fachkraft Lagerlogistik {number}-{step}")
    await session.click("Speichern")
    if not session.page.shows("Profiling gespeichert"):
        raise ProtocolError(f"Speichern nicht bestätigt: {session.page.texts[:8]}")


async def action(session: StreamlitSession, number: int, step: int) -> None:
    """One caseworker action of the cycle client list → profiling → Akte → profiling → save."""
    move = step % 5
    if move == 0:
        await session.go("kunden")
    elif move in (1, 3):
        await session.go("profiling")
    elif move == 2:
        await session.go("akte")
    else:
        await save_profiling_step(session, number, step)


@dataclass
class Crowd:
    samples: list[tuple[float, float]] = field(default_factory=list)  # (monotonic end, ms)
    errors: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def work(self, session: StreamlitSession, number: int) -> None:
        rng = random.Random(number)
        step = 0
        while not self.stop.is_set():
            try:
                await asyncio.wait_for(self.stop.wait(), rng.uniform(*THINK_S))
                return
            except TimeoutError:
                pass
            step += 1
            started = time.perf_counter()
            try:
                await action(session, number, step)
            except (ProtocolError, TimeoutError, OSError) as exc:
                self.errors.append(f"{number}: {type(exc).__name__}: {exc}")
                if isinstance(exc, (TimeoutError, OSError)):
                    return  # the connection is gone
                continue
            except Exception as exc:  # noqa: BLE001 - a closed websocket and the like: counted, session ends
                self.errors.append(f"{number}: {type(exc).__name__}: {exc}")
                return
            self.samples.append((time.monotonic(), (time.perf_counter() - started) * 1000))


# --- the server's figures ----------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS nicht lesbar")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of the process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1] if len(samples) > 1 else float("inf")


async def measure(prefix: str, url: str, pid: int, accounts: list[Account], levels: tuple[int, ...]) -> None:
    crowd = Crowd()
    sessions: list[StreamlitSession] = []
    tasks: list[asyncio.Task] = []
    gate = asyncio.Semaphore(SIGN_IN_AT_ONCE)

    async def join(number: int) -> None:
        async with gate:
            try:
                session = await sign_in_and_open_profiling(url, accounts[number])
            except Exception as exc:  # noqa: BLE001 - counted as an error of the step
                crowd.errors.append(f"{number}: Anmeldung: {type(exc).__name__}: {exc}")
                return
        sessions.append(session)
        tasks.append(asyncio.create_task(crowd.work(session, number)))

    # one session warms the server (imports, catalogue, generated models); RSS from here on is per session
    warm = await sign_in_and_open_profiling(url, accounts[0])
    await save_profiling_step(warm, 0, 0)
    base_rss = rss_mb(pid)
    await warm.close()
    passed, rss_per_session = 0, 0.0
    joined = 1
    try:
        for level in levels:
            await asyncio.gather(*(join(number) for number in range(joined, level + 1)))
            joined = level + 1
            await asyncio.sleep(THINK_S[1] + 1)  # the new sessions' first actions are under way
            window_start, server_cpu, own_cpu = time.monotonic(), cpu_s(pid), time.process_time()
            errors_before = len(crowd.errors)
            await asyncio.sleep(WINDOW_S)
            elapsed = time.monotonic() - window_start
            server_busy = (cpu_s(pid) - server_cpu) / elapsed
            own_busy = (time.process_time() - own_cpu) / elapsed
            window = [ms for at, ms in crowd.samples if at >= window_start]
            level_p95 = p95(window)
            print(f"{prefix}_p95_ms_at_{level}_sessions: {level_p95:.1f} ms", flush=True)
            print(f"{prefix}_p50_ms_at_{level}_sessions: {statistics.median(window) if window else 0:.1f} ms")
            print(f"{prefix}_actions_per_s_at_{level}_sessions: {len(window) / elapsed:.1f} count")
            print(f"{prefix}_server_cpu_cores_at_{level}_sessions: {server_busy:.2f} cores")
            # CPU per action depends less on what else runs on the machine than the times do
            print(f"{prefix}_server_cpu_ms_per_action_at_{level}_sessions: "
                  f"{server_busy * elapsed * 1000 / max(1, len(window)):.1f} ms")
            print(f"{prefix}_client_cpu_cores_at_{level}_sessions: {own_busy:.2f} cores")
            print(f"{prefix}_errors_at_{level}_sessions: {len(crowd.errors) - errors_before} count", flush=True)
            if level_p95 > LIMIT_MS or len(sessions) < level:
                break
            passed = level
            rss_per_session = (rss_mb(pid) - base_rss) / level
    finally:
        crowd.stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(session.close() for session in sessions), return_exceptions=True)
    print(f"{prefix}_sessions_per_process_at_p95_1s: {passed} count")
    print(f"{prefix}_rss_mb_per_session: {rss_per_session:.2f} MB")
    print(f"{prefix}_rss_mb_with_one_session: {base_rss:.0f} MB")
    print(f"{prefix}_errors: {len(crowd.errors)} count", flush=True)
    for error in crowd.errors[:8]:
        print(f"# {prefix} Fehler: {error}", file=sys.stderr)


def run_backend(target, work_dir: Path, levels: tuple[int, ...]) -> None:
    from bench.load import Server

    accounts = prepare(target, max(levels) + 1)
    for option in ("--sample", "--sample-wall"):  # the server records its threads' stacks (bench/sampler)
        if option in sys.argv:
            os.environ["PYTHONPATH"] = str(ROOT / "bench" / "sampler")
            os.environ["VIERPHASEN_BENCH_SAMPLE"] = sys.argv[sys.argv.index(option) + 1]
            os.environ["VIERPHASEN_BENCH_SAMPLE_WALL"] = "1" if option == "--sample-wall" else ""
    server = Server(target, work_dir / f"streamlit-{target.backend}.log")
    try:
        asyncio.run(measure(target.backend, server.url, server.process.pid, accounts, levels))
    finally:
        server.stop()


async def _selftest(url: str, account: Account) -> None:
    session = await sign_in_and_open_profiling(url, account)
    await save_profiling_step(session, 0, 1)
    await session.go("akte")
    await session.go("profiling")
    session.expect("profiling", "Basisprofil (Stärken)")
    await session.close()


def selftest(target, work_dir: Path) -> None:
    """Sign one caseworker in on a real server on `target`, open the profiling, save it; raise if any step fails."""
    from bench.load import Server

    accounts = prepare(target, 1)
    server = Server(target, work_dir / "streamlit-selftest.log")
    try:
        asyncio.run(_selftest(server.url, accounts[0]))
    finally:
        server.stop()
    print("selftest_profiling_page: 1 bool")


@contextmanager
def backend_target(backend: str, work_dir: Path) -> Iterator[object]:
    """The store to run on: a TinyDB directory in `work_dir`, or a fresh database on a PostgreSQL server
    (VIERPHASEN_TEST_DATABASE_URL, else a throwaway one, stopped afterwards); None, with the reason on stderr, when
    there is no PostgreSQL."""
    from bench.load import Target, postgres_server, postgres_target

    if backend == "tinydb":
        yield Target("tinydb", data_dir=str(work_dir / "data"))
        return
    base_url, server, reason = postgres_server()
    if not base_url:
        print(f"# PostgreSQL übersprungen: {reason}", file=sys.stderr)
        yield None
        return
    try:
        yield postgres_target(base_url)
    finally:
        if server is not None:
            server.stop()


def main() -> None:
    option = {name: sys.argv[sys.argv.index(name) + 1] for name in ("--backend", "--levels") if name in sys.argv}
    levels = tuple(int(n) for n in option["--levels"].split(",")) if "--levels" in option else LEVELS
    backends = (option["--backend"],) if "--backend" in option else ("tinydb", "postgres")
    with tempfile.TemporaryDirectory(prefix="vierphasen-sessions-") as tmp:
        work_dir = Path(tmp)
        if "--selftest" in sys.argv:
            with backend_target(option.get("--backend", "tinydb"), work_dir) as target:
                if target is not None:
                    selftest(target, work_dir)
            return
        print(f"cpu_cores: {os.cpu_count()} count")
        print(f"load_average_1min_at_start: {os.getloadavg()[0]:.1f} tasks", flush=True)
        for backend in backends:
            with backend_target(backend, work_dir) as target:
                if target is not None:
                    run_backend(target, work_dir, levels)
        print(f"load_average_1min_at_end: {os.getloadavg()[0]:.1f} tasks")

if __name__ == "__main__":
    main()
