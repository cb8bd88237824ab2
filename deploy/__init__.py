"""Deployment: the local stack started by the project, and manifests for other environments."""
