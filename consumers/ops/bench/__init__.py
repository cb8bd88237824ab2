"""Every benchmark of the project, in one place (a benchmark measures several layers, so it
sits high, above the stages it drives). ``cli`` is ``mcr bench``; ``markdown`` writes
docs/benchmarks.md.

- ``produce``: encode, validate and produce throughput; bytes per event.
- ``identity`` (+ ``identity_live``): identity resolution through the real MPI, and a live
  streams worker draining a backlog.
- ``e2e``: synthetic events from the producer through identity and consent to the searchable
  record, measured for sustained throughput and produce-to-searchable latency, against a plain
  Kafka-to-OpenSearch baseline on the same machine. Each run works in its own topics, schema,
  consumer groups and alias, and removes them afterwards.

Pure: ``events``, ``lag``, ``outcomes``, ``percentiles``, ``rates``, ``report``, ``space``,
``markdown`` (apart from reading /proc), ``cpu.parse_stat``.
I/O: ``provision``, ``workers``, ``probe``, ``visibility``, ``throughput``, ``latency``,
``baseline``, ``cpu``; ``runner`` composes them for ``e2e``.
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
