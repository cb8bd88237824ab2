"""The planning store: weekly aggregates of ``mcr.planning`` in PostgreSQL (docs/planning.md)."""
