"""How long computations report progress, without knowing who draws it. Pure.

Pure code (link evaluation, EM training, replay following) takes a :class:`Progress` and
calls it; the command line passes a :class:`mcr.core.progress.RichProgress` (a bar on stderr
with rate and time left), everything else :class:`NullProgress`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar

__all__ = ["NullProgress", "Progress", "counted"]

_T = TypeVar("_T")


class Progress(Protocol):
    """Phases of a known size, advanced as items are done."""

    def phase(self, name: str, total: int) -> None: ...
    def advance(self, count: int) -> None: ...


class NullProgress:
    """Reports nowhere."""

    def phase(self, name: str, total: int) -> None:
        """Ignore a phase."""

    def advance(self, count: int) -> None:
        """Ignore progress."""


def counted(items: Iterable[_T], progress: Progress, *, every: int = 1000) -> Iterator[_T]:
    """``items`` unchanged, advancing ``progress`` every ``every`` items and by the rest at
    the end (a bar update per item would cost more than a cheap item)."""
    pending = 0
    for item in items:
        yield item
        pending += 1
        if pending >= every:
            progress.advance(pending)
            pending = 0
    if pending:
        progress.advance(pending)
