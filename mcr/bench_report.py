"""Benchmark results as JSON and as the Markdown table in docs/benchmarks.md (pure).

Each benchmark returns a JSON-able dict; the report flattens the numbers into
``metric | value`` rows per benchmark, under the machine and versions they were measured on.
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from typing import Any

from deploy.local.settings import KAFKA_VERSION, OPENSEARCH_VERSION


def machine_facts() -> dict[str, Any]:
    """What the numbers were measured on: cores, memory, CPU model, runtime versions."""
    return {
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "kafka": KAFKA_VERSION,
        "opensearch": OPENSEARCH_VERSION,
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            kib = int(meminfo.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(kib / 1024 / 1024, 1)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def flatten(result: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dict -> ``(dotted.name, value)`` rows, leaves only, in insertion order."""
    rows: list[tuple[str, Any]] = []
    for key, value in result.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(flatten(value, f"{name}."))
        else:
            rows.append((name, value))
    return rows


def render_markdown(
    results: dict[str, dict[str, Any]], *, machine: dict[str, Any], command: str
) -> str:
    """The whole docs/benchmarks.md page for ``results`` (benchmark name -> result dict)."""
    lines = [
        "# Benchmarks",
        "",
        "Measured, not asserted: regenerate with the command below. Numbers from one run on a",
        "noisy shared machine; compare runs on the same machine only.",
        "",
        f"- command: `{command}`",
        *(f"- {key}: {value}" for key, value in machine.items()),
        "",
    ]
    for name, result in results.items():
        lines += [f"## {name}", "", "| metric | value |", "| --- | --- |"]
        lines += [f"| {metric} | {_cell(value)} |" for metric, value in flatten(result)]
        lines.append("")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value).replace("|", "/")
