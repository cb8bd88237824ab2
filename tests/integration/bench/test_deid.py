"""``mcr bench deid`` on a tiny run: both stages measured on the same events."""

from __future__ import annotations

from consumers.ops.bench.deid import run_deid_bench
from consumers.ops.bench.markdown import headline_rows
from deploy.local import StackSettings


def test_tiny_deid_bench(stack: StackSettings) -> None:
    """Rates and CPU per event for both stages; planning sends fewer (consent events send
    nothing to planning unless they are opt-outs); the headline rows pick them up."""
    result = run_deid_bench(events=400, postgres_dsn=stack.postgres_dsn, batch_size=100)
    assert result["events"] == 400
    for stage in ("deid", "consent"):
        assert result[stage]["events_per_s"] > 0 and result[stage]["cpu_us_per_event"] > 0
    assert 0 < result["deid"]["sent"] <= 400
    labels = [label for label, _, _ in headline_rows({"deid": result})]
    assert any("de-identification" in label for label in labels)
