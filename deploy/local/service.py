"""What every local service can do: prepare, launch, probe, stop, and report its status."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from deploy.local import process
from deploy.local.errors import ServiceStartError
from deploy.local.settings import StackSettings


@dataclass(frozen=True)
class ServiceStatus:
    """One line of ``mcr stack status``."""

    name: str
    port: int
    pid: int | None
    healthy: bool
    detail: str
    log_file: Path

    @property
    def state(self) -> str:
        if self.healthy:
            return "up"
        return "starting" if self.pid is not None else "down"

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "state": self.state,
            "port": self.port,
            "pid": self.pid,
            "healthy": self.healthy,
            "detail": self.detail,
            "log_file": str(self.log_file),
        }


class Service(ABC):
    """A service of the local stack, run from a folder under ``.run/<name>``."""

    name: str

    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.home = settings.service_dir(self.name)

    @property
    @abstractmethod
    def port(self) -> int:
        """The loopback port clients use."""

    @property
    def log_file(self) -> Path:
        return self.home / f"{self.name}.log"

    @property
    def pid_file(self) -> Path:
        return self.home / f"{self.name}.pid"

    @abstractmethod
    def prepare(self) -> None:
        """Fetch the runtime and initialise the data folder; cheap when already done."""

    @abstractmethod
    def launch(self) -> None:
        """Start the service process in the background."""

    @abstractmethod
    def probe(self) -> tuple[bool, str]:
        """Ask the service itself whether it serves; returns (healthy, detail)."""

    def stale(self) -> bool:
        """True when the running service was started with settings it must not keep (it is
        then restarted by ``mcr stack up``)."""
        return False

    def pid(self) -> int | None:
        """The live pid of the service, or None."""
        pid = process.read_pid(self.pid_file)
        return pid if process.is_alive(pid) else None

    def stop(self) -> None:
        pid = self.pid()
        if pid is not None:
            process.terminate(pid)

    def status(self) -> ServiceStatus:
        healthy, detail = self.probe()
        pid = self.pid()
        if not healthy and pid is None:
            detail = f"{detail}; not running (log: {self.log_file})"
        return ServiceStatus(self.name, self.port, pid, healthy, detail, self.log_file)

    def wait_healthy(self, timeout_s: float) -> ServiceStatus:
        """Poll until healthy; raise ServiceStartError naming the log when it dies or times out."""
        deadline = time.monotonic() + timeout_s
        while True:
            status = self.status()
            if status.healthy:
                return status
            if status.pid is None:
                raise ServiceStartError(
                    f"{self.name} exited during start: {status.detail}; last lines of "
                    f"{self.log_file}:\n{tail(self.log_file)}"
                )
            if time.monotonic() > deadline:
                raise ServiceStartError(
                    f"{self.name} not healthy after {timeout_s:.0f}s: {status.detail}; "
                    f"see {self.log_file}"
                )
            time.sleep(0.5)


def tail(path: Path, lines: int = 15) -> str:
    """The last ``lines`` lines of a log file, or a note that it is missing."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"
