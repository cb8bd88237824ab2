"""``mcr bench e2e``: synthetic events from the producer through identity and consent to the
searchable record, measured for sustained throughput and produce-to-searchable latency, against
a plain Kafka-to-OpenSearch baseline on the same machine. Each run works in its own topics,
schema, consumer groups and alias, and removes them afterwards.

Pure: ``events``, ``lag``, ``outcomes``, ``percentiles``, ``rates``, ``report``, ``space``,
``cpu.parse_stat``.
I/O: ``provision``, ``workers``, ``probe``, ``visibility``, ``throughput``, ``latency``,
``baseline``, ``cpu``; ``runner`` composes them.
"""

from consumers.ops.bench.errors import BenchError, CatchUpTimeoutError, WorkerExitedError
from consumers.ops.bench.report import summary_text
from consumers.ops.bench.runner import E2eOptions, run_e2e_bench

__all__ = [
    "BenchError",
    "CatchUpTimeoutError",
    "E2eOptions",
    "WorkerExitedError",
    "run_e2e_bench",
    "summary_text",
]
