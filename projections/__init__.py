"""Projections: the OpenSearch record and the PostgreSQL planning aggregates."""
