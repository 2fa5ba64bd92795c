"""Benchmark: loading the shipped catalogue and generating its form models (target: together ≤ 100 ms)."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas.catalogue import SHIPPED_CATALOGUE, load_catalogue
from schemas.forms import generate_models

RUNS = 50


def median_ms(action) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    catalogue = load_catalogue(SHIPPED_CATALOGUE)
    print(f"catalogue_load_ms: {median_ms(lambda: load_catalogue(SHIPPED_CATALOGUE)):.2f} ms")
    print(f"models_generate_ms: {median_ms(lambda: generate_models(catalogue)):.2f} ms")


if __name__ == "__main__":
    main()
