"""Kubernetes manifests for a cluster deployment (docs/deployment.md); ``generate`` writes the
Strimzi topics and users from the project's own tables."""
