"""The labelled records CSV: the simulator writes its ground truth in it, ``mcr link-eval`` and
``mcr identity train`` read it. One definition of the columns keeps writer and readers in step.

``birth_date`` is YYYY-MM-DD; every field but record_id, source and truth_id may be empty;
``nhs_number_status`` is optional for readers (files from elsewhere rarely carry it).
"""

from __future__ import annotations

REQUIRED_COLUMNS: tuple[str, ...] = (
    "record_id",
    "source",
    "truth_id",
    "nhs_number",
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "postcode",
    "address",
)
NHS_NUMBER_STATUS_COLUMN = "nhs_number_status"
ALL_COLUMNS: tuple[str, ...] = (*REQUIRED_COLUMNS, NHS_NUMBER_STATUS_COLUMN)
