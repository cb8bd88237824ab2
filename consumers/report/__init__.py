"""The planners' report: weekly tables from the planning store with small-number suppression,
charts, and a workforce estimate (``mcr report planning``; docs/planning.md)."""
