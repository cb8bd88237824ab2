"""Consumers: query service, clinician viewer and ops tools."""
