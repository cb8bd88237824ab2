"""The de-identification stage: linked events of people who have not opted out of secondary
use, as de-identified events on ``mcr.planning`` for the planning store (docs/planning.md)."""
