"""Fetch service runtimes from Maven Central into a cache outside the work tree.

A folder is only used once a ``.complete`` marker holding the recipe's hash is written, so an
interrupted download is redone and a changed pom or launcher source is rebuilt.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from deploy.local.errors import RuntimeFetchError

DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
_MARKER = ".complete"


def recipe_hash(*files: Path) -> str:
    """A short hash of the files that define a runtime (pom, sources)."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def is_complete(folder: Path, recipe: str) -> bool:
    marker = folder / _MARKER
    return marker.exists() and marker.read_text().strip() == recipe


def mark_complete(folder: Path, recipe: str) -> None:
    (folder / _MARKER).write_text(recipe + "\n")


def _mvn(args: list[str], *, log_file: Path) -> None:
    if shutil.which("mvn") is None:
        raise RuntimeFetchError("mvn not found: install Maven (apt-get install maven)")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        result = subprocess.run(
            ["mvn", "-B", "-q", *args], stdout=log, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode != 0:
        raise RuntimeFetchError(f"maven failed (exit {result.returncode}); see {log_file}")


def copy_dependencies(pom: Path, dest: Path, *, log_file: Path) -> None:
    """Resolve ``pom``'s runtime dependencies and copy the jars into ``dest`` (replaced whole)."""
    staging = dest.with_name(dest.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    _mvn(
        [
            "-f",
            str(pom),
            f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ],
        log_file=log_file,
    )
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)


def dependency_folder(pom: Path, folder: Path) -> Path:
    """``folder/libs`` holding the dependencies of ``pom``, fetched on first use (and again
    when the pom changed). Raises RuntimeFetchError when Maven is missing or fails."""
    recipe = recipe_hash(pom)
    libs = folder / "libs"
    if not is_complete(folder, recipe):
        folder.mkdir(parents=True, exist_ok=True)
        copy_dependencies(pom, libs, log_file=folder / "fetch.log")
        mark_complete(folder, recipe)
    return libs


def copy_artifact(coordinates: str, dest: Path, *, log_file: Path) -> Path:
    """Download one artifact (``group:artifact:version:packaging``) into ``dest``; return it."""
    dest.mkdir(parents=True, exist_ok=True)
    _mvn(
        [f"{DEPENDENCY_PLUGIN}:copy", f"-Dartifact={coordinates}", f"-DoutputDirectory={dest}"],
        log_file=log_file,
    )
    _group, artifact, version, packaging = coordinates.split(":")
    found = dest / f"{artifact}-{version}.{packaging}"
    if not found.exists():
        raise RuntimeFetchError(f"maven copied no {found.name} into {dest}; see {log_file}")
    return found


def package_jar(pom: Path, *, build_dir: Path, log_file: Path) -> Path:
    """Build ``pom`` (a jar project) with its output under ``build_dir``; return the jar."""
    shutil.rmtree(build_dir, ignore_errors=True)
    _mvn(
        ["-f", str(pom), "package", "-DskipTests", f"-Dmcr.build.dir={build_dir}"],
        log_file=log_file,
    )
    jars = sorted(build_dir.glob("*.jar"))
    if not jars:
        raise RuntimeFetchError(f"maven built no jar in {build_dir}; see {log_file}")
    return jars[0]
