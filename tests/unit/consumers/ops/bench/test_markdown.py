"""The benchmark report: nested results become dotted metric rows in a Markdown table."""

from __future__ import annotations

from consumers.ops.bench.markdown import flatten, render_markdown


def test_flatten_keeps_leaves_in_order_with_dotted_names() -> None:
    """Nested dicts flatten to (dotted.name, value) leaves, in insertion order."""
    result = {"events": 10, "produce": {"events_per_s": 1234.5, "failures": {}}, "ok": True}

    assert flatten(result) == [("events", 10), ("produce.events_per_s", 1234.5), ("ok", True)]


def test_markdown_has_machine_command_and_one_table_per_benchmark() -> None:
    """The page names the command and machine and gives each benchmark a metric table."""
    page = render_markdown(
        {"produce": {"events_per_s": 14499.4, "events": 5000}, "e2e": {"latency_p99_ms": 0.25}},
        machine={"cores": 2},
        command="make bench",
    )

    assert "- command: `make bench`" in page and "- cores: 2" in page
    assert (
        "## produce\n\n| metric | value |\n| --- | --- |\n| events_per_s | 14,499.4 |\n| events | 5,000 |"
        in page
    )
    assert "## e2e" in page and "| latency_p99_ms | 0.25 |" in page


def test_summary_lists_headline_metrics_with_their_targets() -> None:
    """Headline metrics present in the results appear first, with targets; absent ones do not."""
    page = render_markdown(
        {"e2e": {"events_per_s": 3057.2, "latency_p99_ms": 1073.6}},
        machine={},
        command="make bench",
    )

    summary = page.split("## Summary")[1].split("## e2e")[0]
    assert "| end to end, producer to searchable (events/s) | 3,057.2 | >= 5,000 |" in summary
    assert "| produce-to-searchable p99 at 1,000 events/s (ms) | 1,073.6 | < 1,000 |" in summary
    assert "bytes per event" not in summary
