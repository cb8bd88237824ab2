"""One version list: the compose file runs the same Kafka, OpenSearch and Keycloak versions as
the local stack (deploy/local/settings.py). (PostgreSQL locally is Debian's, 15, as in compose.)"""

from __future__ import annotations

import yaml

from deploy.local.settings import (
    KAFKA_VERSION,
    KEYCLOAK_VERSION,
    OPENSEARCH_VERSION,
    PROJECT_ROOT,
)


def _images() -> dict[str, str]:
    compose = yaml.safe_load((PROJECT_ROOT / "deploy" / "compose.yaml").read_text())
    return {name: service["image"] for name, service in compose["services"].items()
            if "image" in service}  # fmt: skip


def test_compose_images_match_the_local_stack() -> None:
    images = _images()
    assert images["kafka"] == f"apache/kafka:{KAFKA_VERSION}"
    assert images["opensearch"] == f"opensearchproject/opensearch:{OPENSEARCH_VERSION}"
    assert images["keycloak"] == f"quay.io/keycloak/keycloak:{KEYCLOAK_VERSION}"
