"""Benchmark results: a table printed for the person running ``make bench`` and JSON kept under VAR_DIR/bench/.

Each benchmark makes a ``Report``, adds one row per measured figure and calls ``emit()``: the table goes to
stdout (``make bench`` runs pytest with ``-s``), and ``VAR_DIR/bench/<name>-<UTC timestamp>.json`` plus
``<name>-latest.json`` keep the figures with the environment they were measured in (database and version,
CPU count, sizes), so two runs can be compared.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection


@dataclass
class Row:
    metric: str
    value: float
    unit: str
    note: str = ""


@dataclass
class Report:
    name: str
    context: dict = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)

    def add(self, metric: str, value: float, unit: str, note: str = "") -> None:
        self.rows.append(Row(metric, value, unit, note))

    def add_latencies(self, label: str, seconds: list[float]) -> None:
        """Count, rate and p50/p95/max of a list of durations in seconds."""
        summary = latency_summary(seconds)
        self.add(f"{label}: requests", summary["count"], "")
        self.add(f"{label}: throughput", summary["per_second"], "req/s", "sequential, one client")
        for key in ("p50", "p95", "max"):
            self.add(f"{label}: {key}", summary[key] * 1000, "ms")

    def table(self) -> str:
        header = ("metric", "value", "unit", "note")
        cells = [(row.metric, _number(row.value), row.unit, row.note) for row in self.rows]
        widths = [max([len(header[i])] + [len(c[i]) for c in cells]) for i in range(4)]

        def line(values):
            return "  ".join(value.rjust(width) if i == 1 else value.ljust(width)
                             for i, (value, width) in enumerate(zip(values, widths, strict=True))).rstrip()

        context = ", ".join(f"{key}={value}" for key, value in self.context.items())
        return "\n".join([f"== {self.name} ({context})", line(header), line(["-" * w for w in widths]),
                          *(line(cell) for cell in cells)])

    def emit(self) -> Path:
        print("\n" + self.table(), flush=True)
        folder = Path(settings.VAR_DIR) / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC)
        payload = {"name": self.name, "at": stamp.isoformat(timespec="seconds"), "environment": environment(),
                   "context": self.context, "results": [asdict(row) for row in self.rows]}
        path = folder / f"{self.name}-{stamp:%Y%m%dT%H%M%SZ}.json"
        text = json.dumps(payload, indent=2, default=str)
        path.write_text(text)
        (folder / f"{self.name}-latest.json").write_text(text)
        print(f"   written to {path}", flush=True)
        return path


def latency_summary(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    total = sum(ordered)
    return {"count": len(ordered), "per_second": len(ordered) / total if total else 0.0,
            "p50": percentile(ordered, 50), "p95": percentile(ordered, 95), "max": ordered[-1] if ordered else 0.0,
            "mean": statistics.fmean(ordered) if ordered else 0.0}


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def environment() -> dict:
    vendor = connection.vendor
    if vendor == "postgresql":
        version = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    elif vendor == "sqlite":
        import sqlite3

        version = f"SQLite {sqlite3.sqlite_version}"
    else:
        version = vendor
    return {"database": version, "python": platform.python_version(), "cpus": os.cpu_count(),
            "machine": platform.machine()}


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
