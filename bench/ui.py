"""Server-side time of a rerun of the profiling page (full catalogue, filled profiling), measured with AppTest;
every rerun runs through app.py and its navigation, as on a server (`_run_through_app`).

Three rounds, each timing `reruns` reruns of the profiling page, then of the same elements drawn by plain Streamlit
calls (`_same_elements_page`: no app.py, navigation, models or store; what Streamlit itself costs for this page) and
then of a trivial page (a title and three widgets) in the same process; a round's ratio is its profiling p95 over
its trivial p95. The p95 of a few milliseconds moves with whatever else the machine does in that second, so the
figures are those of the round with the median ratio: `profiling_rerun_p50_ms`, `profiling_rerun_p95_ms`,
`trivial_rerun_p95_ms` and `profiling_rerun_ratio` (target ≤ 3); every round's ratio is printed too (`profiling_rerun_ratio_round<k>`); from
the same round `same_elements_rerun_p95_ms`, `same_elements_ratio` (its p95 over the trivial page's: the floor of
`profiling_rerun_ratio` for this page on this Streamlit) and `profiling_over_same_elements_ratio` (what the app adds).
Beside them the CPU time of a rerun over all rounds (`*_cpu_p50_ms`, `*_cpu_ratio`), which other load on a shared
machine disturbs far less than wall time. Exits with a message if the measured page is not the profiling page with
every Handlungsbedarf counted as relevant in the Handlungsfeld tabs' labels and each one of the open tab shown as a
ticked checkbox, or if the comparison page drew other elements (kinds and counts) than the profiling page.
Usage: .venv/bin/python bench/ui.py [reruns per page and round, default 100]
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _prepare(data_dir: str):
    """A caseworker, a client and a stored profiling with every field filled (all Bedarfe relevant)."""
    os.environ["VIERPHASEN_DATA_DIR"] = data_dir
    os.environ.pop("VIERPHASEN_DATABASE_URL", None)
    import config
    from schemas.records import BedarfEintrag, Role, User
    from services.catalogue import ensure_catalogue, get_catalogue
    from services.clients import create_client, new_id
    from services.profiling import save_profiling, start_profiling
    from storage import open_store

    config.get_settings.cache_clear()
    store = open_store(config.get_settings())
    user = store.add(User(id=new_id(), username="bench.ifk", display_name="Bench IFK", role=Role.IFK, team="Team 1"),
                     actor=User(id=new_id(), username="bench.kdn", display_name="Bench KDN", role=Role.KDN))
    ensure_catalogue(store, actor=user)
    catalogue = get_catalogue(store)
    client = create_client(store, kundennummer="BENCH0001", vorname="Maria", nachname="Muster",
                           geburtsdatum=date(1985, 5, 17), actor=user)
    profiling = start_profiling(store, client.id, actor=user)
    profiling.zielberuf = "Fachkraft Lagerlogistik"
    profiling.kompetenzen = [f"Kompetenz {i}" for i in range(12)]
    profiling.handlungsbedarfe = {
        bedarf.id: BedarfEintrag(relevant=True, bemerkungen=f"Standortbestimmung zu {bedarf.label}. " * 8)
        for _, bedarf in catalogue.bedarfe()
    }
    profiling.strategien = {bedarf.id: [bedarf.handlungsstrategien[0].id] for _, bedarf in catalogue.bedarfe()}
    profiling.uebergreifend = [catalogue.uebergreifend.handlungsstrategien[0].id]
    profiling.integrationsprognose = catalogue.integrationsprognose.optionen[0].id
    profiling.integrationsziel = "Festanstellung als Fachkraft Lagerlogistik"
    save_profiling(store, profiling, actor=user)
    return user


def _trivial_page() -> None:
    """The yardstick: Streamlit's own cost of a rerun (a title and three widgets)."""
    import streamlit as st

    st.title("Trivial")
    st.text_input("Text")
    st.checkbox("Haken")
    st.button("Knopf")


def _same_elements_page(spec: list) -> None:
    """Streamlit's own cost of the profiling page: the same elements (kind, label, value, options, nesting) as the
    measured page drew, drawn with plain Streamlit calls and nothing else (no app.py, navigation, session look-ups,
    generated models or store); `spec` comes from `_element_spec` of the measured page."""
    import itertools

    import streamlit as st

    numbers = itertools.count()

    def draw(nodes: list) -> None:
        for kind, value, children in nodes:
            key = f"w{next(numbers)}"  # the same widget the same key in every run
            if kind == "columns":
                for column, content in zip(st.columns(len(children)), children):
                    with column:
                        draw(content)
            elif kind == "tabs":
                for tab, content in zip(st.tabs(value), children):
                    with tab:
                        draw(content)
            elif kind == "container":
                with st.container():
                    draw(children)
            elif kind in ("html", "title", "markdown", "caption", "subheader", "text"):
                getattr(st, kind)(value)
            elif kind == "empty":
                st.empty()
            elif kind == "page_link":
                st.page_link("https://www.arbeitsagentur.de", label=value)
            elif kind == "button":
                st.button(value["label"], key=key)
            elif kind == "selectbox":
                st.selectbox(value["label"], value["options"], index=value["index"], key=key)
            else:  # text_input, text_area, checkbox
                getattr(st, kind)(value["label"], value["value"], key=key)

    main, sidebar = spec
    draw(main)
    with st.sidebar:
        draw(sidebar)


#: Element classes of AppTest's tree → the Streamlit call `_same_elements_page` draws them with.
_PLAIN = {"Html": "html", "Title": "title", "Markdown": "markdown", "Caption": "caption", "Subheader": "subheader",
          "Text": "text", "UnknownElement": "empty", "PageLink": "page_link"}
_WIDGETS = {"TextInput": "text_input", "TextArea": "text_area", "Checkbox": "checkbox", "Button": "button"}


def _element_spec(at) -> list:
    """What `_same_elements_page` needs to draw the elements of `at`'s last run again: the main area's and the
    sidebar's elements (style-only HTML, which Streamlit moves out of the page, included)."""
    def children_are(node, kind: str) -> bool:
        return bool(node.children) and all(type(c).__name__ == kind for c in node.children.values())

    def spec(node) -> list:
        out = []
        for child in getattr(node, "children", {}).values():
            kind = type(child).__name__
            proto = getattr(child, "proto", None)
            if kind == "Block" and children_are(child, "Column"):
                out.append(("columns", None, [spec(column) for column in child.children.values()]))
            elif kind == "Block" and proto.HasField("tab_container"):
                tabs = list(child.children.values())
                out.append(("tabs", [tab.label for tab in tabs], [spec(tab) for tab in tabs]))
            elif kind == "Block":
                out.append(("container", None, spec(child)))
            elif kind in _PLAIN:
                value = proto.body if kind == "Html" else proto.label if kind == "PageLink" \
                    else None if kind == "UnknownElement" else child.value
                out.append((_PLAIN[kind], value, []))
            elif kind == "Selectbox":
                out.append(("selectbox", {"label": child.label, "options": child.options, "index": child.index}, []))
            elif kind in _WIDGETS:
                value = None if kind == "Button" else child.value
                out.append((_WIDGETS[kind], {"label": child.label, "value": value}, []))
            else:
                sys.exit(f"Element {kind} kann die Vergleichsseite nicht zeichnen (bench/ui.py _element_spec)")
        return out

    event = next((block for block in at._tree.children.values() if block.type == "event"), None)
    return [spec(at.main) + spec(event), spec(at.sidebar)]


def _element_kinds(at) -> Counter:
    """How many elements of each kind `at`'s last run drew (blocks included)."""
    return Counter(type(node).__name__ for node in _nodes(at._tree))


def _nodes(node):
    """The nodes below `node` in AppTest's element tree, depth first."""
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _nodes(child)


def _timed_reruns(at, reruns: int, cpu: list[float] | None = None) -> list[float]:
    """Wall time of each rerun in ms; `cpu` receives the process's CPU time of each (less sensitive to other load
    on a shared machine)."""
    at.run()  # warm: models generated, widgets registered
    timings = []
    for _ in range(reruns):
        start, start_cpu = time.perf_counter(), time.process_time()
        at.run()
        timings.append((time.perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - start_cpu) * 1000)
    if at.exception:
        sys.exit(f"Fehler beim Rerun: {at.exception}")
    return timings


def _share_script_cache() -> None:
    """Compile each script once, as a server does: AppTest gives every run a new ScriptCache, so each rerun
    would otherwise recompile app.py and the page (about a third of the profiling page's rerun under AppTest)."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    local_script_runner.ScriptCache = app_test.ScriptCache = lambda: shared


def _run_through_app() -> None:
    """Run every rerun through app.py and its st.navigation, as a server does: a server runs the files in pages/
    as pages of their own only until the process's first st.navigation call, but AppTest starts every run as if
    it were the process's first, so the profiling page would be run without app.py (and with 27 page objects
    built from the pages folder that no server builds)."""
    from streamlit.runtime.pages_manager import PagesManager

    init = PagesManager.__init__

    def after_first_navigation(self, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False  # what st.navigation sets for the rest of a server process

    PagesManager.__init__ = after_first_navigation


ROUNDS = 3


def main(reruns: int = 100) -> None:
    from streamlit.testing.v1 import AppTest

    _share_script_cache()
    _run_through_app()

    with tempfile.TemporaryDirectory(prefix="vierphasen-bench-") as data_dir:
        user = _prepare(data_dir)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["user"] = user
        at.run()
        at.switch_page("pages/kunden.py").run()
        next(b for b in at.button if b.label == "Auswählen").click().run()
        next(b for b in at.button if b.label == "Öffnen").click().run()
        # The click switched pages inside the app; AppTest would rerun the page it was last told to run (the
        # client list), so it is pointed at the profiling page explicitly (the selection stays in the session).
        at.switch_page("pages/profiling.py")
        at.run()
        _check_profiling_page(at)
        same_at = AppTest.from_function(_same_elements_page, args=(_element_spec(at),), default_timeout=60)
        same_at.run()
        if _element_kinds(same_at) != _element_kinds(at):
            sys.exit(f"Die Vergleichsseite zeichnet andere Elemente: {_element_kinds(same_at)} statt "
                     f"{_element_kinds(at)}")
        trivial_at = AppTest.from_function(_trivial_page, default_timeout=60)
        cpu: dict[str, list[float]] = {"profiling": [], "same": [], "trivial": []}
        rounds = []
        for _ in range(ROUNDS):
            profiling = _timed_reruns(at, reruns, cpu["profiling"])
            _check_profiling_page(at)
            same = _timed_reruns(same_at, reruns, cpu["same"])
            trivial = _timed_reruns(trivial_at, reruns, cpu["trivial"])
            p95, same_p95, trivial_p95 = (statistics.quantiles(t, n=20)[-1] for t in (profiling, same, trivial))
            rounds.append((p95 / trivial_p95, statistics.median(profiling), p95, trivial_p95, same_p95))
    for number, (ratio, *_) in enumerate(rounds, start=1):
        print(f"profiling_rerun_ratio_round{number}: {ratio:.2f} ratio")
    ratio, p50, p95, trivial_p95, same_p95 = sorted(rounds)[len(rounds) // 2]
    print(f"profiling_rerun_p50_ms: {p50:.1f} ms")
    print(f"profiling_rerun_p95_ms: {p95:.1f} ms")
    print(f"trivial_rerun_p95_ms: {trivial_p95:.1f} ms")
    print(f"profiling_rerun_ratio: {ratio:.2f} ratio")
    print(f"same_elements_rerun_p95_ms: {same_p95:.1f} ms")
    print(f"same_elements_ratio: {same_p95 / trivial_p95:.2f} ratio")
    print(f"profiling_over_same_elements_ratio: {p95 / same_p95:.2f} ratio")
    cpu_p50 = {page: statistics.median(times) for page, times in cpu.items()}
    print(f"profiling_rerun_cpu_p50_ms: {cpu_p50['profiling']:.1f} ms")
    print(f"same_elements_rerun_cpu_p50_ms: {cpu_p50['same']:.1f} ms")
    print(f"trivial_rerun_cpu_p50_ms: {cpu_p50['trivial']:.1f} ms")
    print(f"profiling_rerun_cpu_ratio: {cpu_p50['profiling'] / cpu_p50['trivial']:.2f} ratio")
    print(f"same_elements_cpu_ratio: {cpu_p50['same'] / cpu_p50['trivial']:.2f} ratio")

def _check_profiling_page(at) -> None:
    """Exit unless `at` shows the profiling page with every Handlungsbedarf relevant (see the module docstring)."""
    bedarfe = _prepared_bedarfe()
    counts = {t.label: int(m.group(1)) if (m := re.search(r"\((\d+)\)$", t.label)) else 0 for t in at.tabs}
    open_tab = at.tabs[_tab_container(at).proto.tab_container.default_tab_index].label if at.tabs else ""
    ticked = len([c for c in at.checkbox if c.value])
    if at.error or at.title[0].value != "1 Profiling" or sum(counts.values()) < len(bedarfe) \
            or ticked != counts.get(open_tab) or not ticked:
        sys.exit(f"Nicht die Profiling-Seite gemessen: {[t.value for t in at.title]}, Reiter {counts} (von "
                 f"{len(bedarfe)} Handlungsbedarfen), im offenen Reiter {open_tab!r} {ticked} als relevant "
                 f"angezeigt, {[e.value for e in at.error]}")


def _tab_container(at):
    """The Handlungsfeld tabs' container block (it knows which tab is open)."""
    return next(b for b in _nodes(at.main) if type(getattr(b, "proto", None)).__name__ == "Block"
                and b.proto.HasField("tab_container"))


def _prepared_bedarfe() -> list:
    """The catalogue's Handlungsbedarfe: `_prepare` marks every one relevant, so each shows a ticked checkbox."""
    import config
    from services.catalogue import get_catalogue
    from storage import open_store

    return [bedarf for _, bedarf in get_catalogue(open_store(config.get_settings())).bedarfe()]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
