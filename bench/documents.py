"""Benchmark: render time of a three-page EGV (median of 20 renders after one warm-up); prints `egv_pdf_ms`."""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypdf import PdfReader

from documents import render_egv
from documents.base import preload_fonts
from tests.documents_factories import long_text, make_egv

RUNS = 20


def main() -> None:
    data = make_egv(inhalte={**make_egv().inhalte, "teilschritte": long_text(5000)})
    started = time.perf_counter()
    preload_fonts()  # once per process in the app, too
    first = render_egv(data)
    first_ms = (time.perf_counter() - started) * 1000
    pages = len(PdfReader(io.BytesIO(first)).pages)
    if pages != 3:
        raise SystemExit(f"expected a 3-page EGV, got {pages} pages")
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        render_egv(data)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"egv_pdf_ms: {statistics.median(times):.1f} ms")
    print(f"egv_pdf_p95_ms: {times[int(0.95 * (RUNS - 1))]:.1f} ms")
    print(f"egv_pdf_first_ms: {first_ms:.1f} ms")
    print(f"egv_pdf_pages: {pages} pages")


if __name__ == "__main__":
    main()
