"""A rich progress bar for long commands: items done, rate and time left.

Drawn on stderr by default, so a command's stdout (its summary, its JSON) stays clean; on a
terminal-less run rich draws nothing live.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

__all__ = ["RichProgress"]


class RateColumn(ProgressColumn):
    """Items per second of a task."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self._unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        shown = "--" if speed is None else f"{speed:,.0f}"
        return Text(f"{shown} {self._unit}/s", style="cyan")


class RichProgress:
    """One bar per phase (load, catch up, after swap), as a context manager."""

    def __init__(self, console: Console | None = None, *, unit: str = "ev") -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(unit),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def phase(self, name: str, total: int) -> None:
        """Start a new bar for ``name`` with ``total`` events."""
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total)
        self._task = self._progress.add_task(name, total=max(total, 0))

    def advance(self, count: int) -> None:
        """Count ``count`` more events in the current phase."""
        if self._task is not None and count:
            self._progress.advance(self._task, count)
