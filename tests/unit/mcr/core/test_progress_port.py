"""Progress reporting from pure code: phases, and counting in chunks."""

from __future__ import annotations

from mcr.core.progress_port import NullProgress, counted


class Recorder:
    """A Progress that keeps what it was told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def phase(self, name: str, total: int) -> None:
        self.calls.append(("phase", (name, total)))

    def advance(self, count: int) -> None:
        self.calls.append(("advance", count))

    def advanced(self) -> int:
        return sum(c for kind, c in self.calls if kind == "advance")  # type: ignore[misc]


def test_counted_yields_everything_and_advances_in_chunks_then_the_rest() -> None:
    """2,500 items every 1,000: advances 1,000, 1,000, then 500; the items are unchanged."""
    progress = Recorder()
    assert list(counted(range(2500), progress, every=1000)) == list(range(2500))
    assert progress.calls == [("advance", 1000), ("advance", 1000), ("advance", 500)]


def test_counted_on_nothing_reports_nothing() -> None:
    """No items, no advance (a zero advance would be noise)."""
    progress = Recorder()
    assert list(counted([], progress)) == []
    assert progress.calls == []


def test_null_progress_accepts_everything() -> None:
    """The default for code run without a bar."""
    NullProgress().phase("x", 3)
    NullProgress().advance(3)
