"""The container image is built from the project's wheel: the wheel must carry every runtime
file (schemas, weights, policies, the viewer, the realm), and the Dockerfile must copy every
package the wheel is built from. Checked offline: the wheel is built here, without Docker."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from deploy.local.settings import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "deploy" / "container" / "Dockerfile"
#: Files the processes read at run time, by suffix (tests, docs and Java sources are not).
RUNTIME_SUFFIXES = {".avsc", ".json", ".html", ".js", ".css", ".txt", ".toml", ".yaml", ".csv"}
#: Deployment descriptors: read by Docker or Kubernetes, not by the processes.
DESCRIPTORS = ("deploy/compose.yaml", "deploy/container/", "deploy/k8s/")


def _packages() -> list[str]:
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    return [p.rstrip("*") for p in config["tool"]["setuptools"]["packages"]["find"]["include"]]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(PROJECT_ROOT)], check=True, capture_output=True)  # fmt: skip
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _tracked_runtime_files(package: str) -> list[str]:
    listed = subprocess.run(["git", "ls-files", package], cwd=PROJECT_ROOT, check=True,
                            capture_output=True, text=True).stdout.split()  # fmt: skip
    return [name for name in listed
            if Path(name).suffix in RUNTIME_SUFFIXES and not name.startswith(DESCRIPTORS)]  # fmt: skip


def test_the_wheel_carries_every_runtime_file(wheel_names: set[str]) -> None:
    wanted = [name for package in _packages() for name in _tracked_runtime_files(package)]
    assert wanted, "no runtime files found: the check would prove nothing"
    assert sorted(set(wanted) - wheel_names) == []


def test_the_dockerfile_copies_every_package_and_runs_unprivileged() -> None:
    text = DOCKERFILE.read_text()
    copied = set(re.findall(r"^COPY (\w+) \./\1$", text, flags=re.MULTILINE))
    assert copied == set(_packages())
    assert re.search(r"^USER mcr$", text, flags=re.MULTILINE)
    assert not re.search(r"(PASSWORD|SECRET|TOKEN)\s*=", text, flags=re.IGNORECASE)
