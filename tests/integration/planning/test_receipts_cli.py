"""``mcr consent receipts --person``: one list of a person's purges from the record store
(by person id) and the planning store (by pseudonym, under every configured key)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from typer.testing import CliRunner

from deploy.local import StackSettings
from mcr.cli import app
from mcr.core import receipts
from streams.deid.pseudonyms import Pseudonymiser, load_key

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_receipts_of_a_person_from_both_stores(stack: StackSettings, tmp_path: Path) -> None:
    """The record receipt and the planning receipt (made under a previous key) are listed;
    another person's receipt is not."""
    schema = f"t_rcpt_{uuid.uuid4().hex[:10]}"
    current, previous = tmp_path / "current.key", tmp_path / "previous.key"
    current.write_text("cd" * 32)
    previous.write_text("ef" * 32)
    old = Pseudonymiser(load_key(previous)).person("person-9")
    rows = [("c1:record", "record", "person-9", 12), ("c2:planning", "planning", old, 7),
            ("c3:record", "record", "person-8", 4)]  # fmt: skip
    with receipts.connect(stack.operator_dsn, schema) as conn:
        for receipt_id, store, subject, removed in rows:
            receipts.record(conn, receipts.StoreReceipt(receipt_id, store, subject, "objection",
                                                   "Y01", T0, T0, removed))  # fmt: skip
    env = {"MCR_RECEIPTS_SCHEMA": schema, "MCR_PLANNING_KEY_FILE": str(current),
           "MCR_PLANNING_PREVIOUS_KEY_FILES": str(previous)}  # fmt: skip
    try:
        result = CliRunner().invoke(app, ["consent", "receipts", "--person", "person-9", "--json"],
                                    env=env)  # fmt: skip
    finally:
        with psycopg.connect(stack.operator_dsn, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
    assert result.exit_code == 0, result.output
    listed = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [(r["store"], r["removed"], r["requested_by"]) for r in listed] == [
        ("record", 12, "Y01"), ("planning", 7, "Y01")]  # fmt: skip
