"""The import-layer contract (pyproject.toml, checked by ``make lint``) can fail.

Each test copies the real contract next to a stub tree of packages with our names, in a
temporary directory, and runs ``lint-imports`` there: the stub tree as it should be passes,
and one upward import (or one import between two stages) makes it exit non-zero.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

#: Stub modules, one per layer of the contract (and the ``mcr`` package between them).
STUB_MODULES = (
    "schemas/__init__.py",
    "mcr/__init__.py",
    "mcr/core/__init__.py",
    "mcr/cli.py",
    "mcr/demo.py",
    "mcr/__main__.py",
    "deploy/__init__.py",
    "producers/__init__.py",
    "streams/__init__.py",
    "projections/__init__.py",
    "consumers/__init__.py",
)

#: Downward imports the contract allows, present in every stub tree.
ALLOWED = {
    "mcr/core/__init__.py": "import schemas\n",
    "deploy/__init__.py": "import mcr.core\n",
    "streams/__init__.py": "import deploy\nimport mcr.core\nimport schemas\n",
    "consumers/__init__.py": "import projections\nimport streams\n",
    "mcr/cli.py": "import consumers\nimport mcr.demo\n",
}


def _contract_toml() -> str:
    """The ``[tool.importlinter]`` table of the real pyproject.toml, written back as TOML."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    lines = ["[tool.importlinter]", f"root_packages = {json.dumps(config['root_packages'])}"]
    for contract in config["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in contract.items()]
    return "\n".join(lines) + "\n"


def _lint(tmp_path: Path, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    for module in STUB_MODULES:
        path = tmp_path / module
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ALLOWED.get(module, "") + extra.get(module, ""))
    (tmp_path / "pyproject.toml").write_text(_contract_toml())
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_stub_tree_keeps_the_contract(tmp_path: Path) -> None:
    """Downward imports only: lint-imports exits 0 (so the failures below are the imports')."""
    result = _lint(tmp_path, {})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "message"),
    [
        ("schemas/__init__.py", "import mcr.core\n", "schemas is not allowed to import mcr.core"),
        ("mcr/core/__init__.py", "import streams\n", "mcr.core is not allowed to import streams"),
        ("mcr/core/__init__.py", "import mcr.cli\n", "mcr.core is not allowed to import mcr.cli"),
        ("deploy/__init__.py", "import producers\n", "deploy is not allowed to import producers"),
        (
            "streams/__init__.py",
            "import projections\n",
            "streams is not allowed to import projections",
        ),
        (
            "projections/__init__.py",
            "import consumers\n",
            "projections is not allowed to import consumers",
        ),
        (
            "consumers/__init__.py",
            "import mcr.demo\n",
            "consumers is not allowed to import mcr.demo",
        ),
    ],
)
def test_an_upward_or_sideways_import_breaks_the_contract(
    tmp_path: Path, module: str, bad_import: str, message: str
) -> None:
    """One import up a layer, or between two stages, makes lint-imports fail and name it."""
    result = _lint(tmp_path, {module: bad_import})
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert message in result.stdout
