"""Server-side time of a rerun of the profiling page (full catalogue, filled profiling), measured with AppTest.

Prints `profiling_rerun_p95_ms: <value> ms` (target ≤ 150 ms). Usage: .venv/bin/python bench/ui.py [reruns]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
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


def main(reruns: int = 40) -> None:
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory(prefix="vierphasen-bench-") as data_dir:
        user = _prepare(data_dir)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["user"] = user
        at.run()
        at.switch_page("pages/kunden.py").run()
        next(b for b in at.button if b.label == "Auswählen").click().run()
        next(b for b in at.button if b.label == "Öffnen").click().run()
        if at.exception or at.error or at.title[0].value != "1 Profiling":
            sys.exit(f"Profiling-Seite nicht erreicht: {[e.value for e in at.error]} {at.exception}")
        at.run()  # warm: models generated, widgets registered
        timings = []
        for _ in range(reruns):
            start = time.perf_counter()
            at.run()
            timings.append((time.perf_counter() - start) * 1000)
        if at.exception:
            sys.exit(f"Fehler beim Rerun: {at.exception}")
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"profiling_rerun_median_ms: {statistics.median(timings):.1f} ms")
    print(f"profiling_rerun_p95_ms: {p95:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
