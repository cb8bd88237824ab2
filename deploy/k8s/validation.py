"""Offline checks of the Kubernetes manifests under deploy/k8s (run by ``make test``).

    python -m deploy.k8s.validation [FILE...]   # every manifest when no file is given

- Core kinds (Deployment, Service, Ingress, NetworkPolicy, HPA, ...) against the Kubernetes
  OpenAPI schemas bundled by ``kubernetes-validate`` (strict: unknown fields are errors).
- Strimzi kinds (Kafka, KafkaNodePool, KafkaTopic, KafkaUser) against Strimzi's own Java model
  (``io.strimzi:api``) with ``validate/StrimziCheck.java``; its jars are fetched from Maven
  Central once into the cache (``~/.cache/mcr/strimzi-api-<version>``), like the Kafka jars.
- Any other kind is a problem: a manifest nobody can check is not shipped.

Problems are returned as lines naming the file, the document and the field (the validators'
messages may quote a manifest's own value; manifests hold no secrets). A validator reports the
first problem of each document.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from deploy.local import runtimes
from deploy.local.errors import RuntimeFetchError
from deploy.local.settings import StackSettings

__all__ = [
    "KUBERNETES_VERSION",
    "MANIFESTS",
    "STRIMZI_VERSION",
    "core_problems",
    "manifest_files",
    "strimzi_classpath",
    "strimzi_problems",
]

MANIFESTS = Path(__file__).resolve().parent
KUBERNETES_VERSION = "1.33.0"
"""The Kubernetes API the manifests target (a schema version kubernetes-validate bundles)."""
STRIMZI_VERSION = "0.49.0"
_STRIMZI_GROUP = "kafka.strimzi.io/"
_CHECKER = MANIFESTS / "validate" / "StrimziCheck.java"
_POM = MANIFESTS / "validate" / "pom.xml"
_JAVA_TIMEOUT_S = 120


def manifest_files(root: Path = MANIFESTS) -> list[Path]:
    """Every ``*.yaml`` under ``root`` (the validator's own folder holds none)."""
    return sorted(root.rglob("*.yaml"))


def _documents(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, doc in enumerate(yaml.safe_load_all(path.read_text()), start=1):
        if doc is not None:
            yield index, doc


def _is_strimzi(doc: dict[str, Any]) -> bool:
    return str(doc.get("apiVersion", "")).startswith(_STRIMZI_GROUP)


def core_problems(paths: Iterable[Path], *, version: str = KUBERNETES_VERSION) -> list[str]:
    """Problems of every non-Strimzi document in ``paths`` against the Kubernetes schemas."""
    # a dev dependency, imported here: the image (which ships deploy/) never validates manifests
    import kubernetes_validate  # noqa: PLC0415

    problems = []
    for path in paths:
        for index, doc in _documents(path):
            if _is_strimzi(doc):
                continue
            where = f"{path.name} #{index} ({doc.get('kind', '?')})"
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                field = ".".join(str(p) for p in exc.path) or "(document)"
                problems.append(f"{where}: {field}: {exc.message}")
            except kubernetes_validate.SchemaNotFoundError:
                problems.append(f"{where}: no Kubernetes schema for this kind")
            except kubernetes_validate.InvalidSchemaError:
                problems.append(f"{where}: the schema for this kind cannot be read")
    return problems


def strimzi_classpath(cache_dir: Path) -> Path:
    """The folder of the Strimzi model jars, fetched into ``cache_dir`` on first use.
    Raises RuntimeFetchError when Maven is missing or fails."""
    return runtimes.dependency_folder(_POM, cache_dir / f"strimzi-api-{STRIMZI_VERSION}")


def strimzi_problems(paths: Iterable[Path], *, cache_dir: Path) -> list[str]:
    """Problems of every Strimzi document in ``paths`` against Strimzi's model classes."""
    files = [str(p) for p in paths if any(_is_strimzi(d) for _i, d in _documents(p))]
    if not files:
        return []
    libs = strimzi_classpath(cache_dir)
    result = subprocess.run(
        ["java", "-cp", f"{libs}/*", str(_CHECKER), *files],
        capture_output=True,
        text=True,
        timeout=_JAVA_TIMEOUT_S,
        check=False,
    )
    lines = result.stdout.splitlines()
    problems = [line for line in lines if not line.startswith("checked ")]
    if result.returncode != 0 and not problems:
        raise RuntimeFetchError(f"the Strimzi check failed to run (exit {result.returncode})")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    paths = [Path(a) for a in args] or manifest_files()
    cache = StackSettings.from_env().cache_dir
    problems = core_problems(paths) + strimzi_problems(paths, cache_dir=cache)
    for line in problems:
        print(line)
    print(f"{len(paths)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
