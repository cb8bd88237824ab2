"""The audit entry's authorisation fields: hashed only when set, so every row written before
them keeps its hash; set, they change the hash (they are covered by the chain)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from consumers.api.chain import GENESIS, row_hash
from tests.unit.consumers.api.test_chain import entry

#: The hash of ``entry()`` as row 1, computed with chain.py before these fields existed.
OLD_SHAPE_HASH = "9167c7c533d06096049d13772a8482ba67db9e9c6c27c8c6a2d80b4331a4cecf"


def test_an_old_shape_entry_hashes_exactly_as_before() -> None:
    assert row_hash(GENESIS, 1, entry()) == OLD_SHAPE_HASH
    unset = replace(entry(), relationship="", break_glass_reason="", flagged=False, categories=())
    assert row_hash(GENESIS, 1, unset) == OLD_SHAPE_HASH
    assert set(entry().as_dict()) == {"at", "request_id", "user_id", "purpose", "action",
                                      "query_kind", "person_ids", "outcome", "status", "shown",
                                      "kept_back"}  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"relationship": "holds-record"}, {"relationship": "holds-record"}),
        ({"break_glass_reason": "safeguarding", "flagged": True},
         {"break_glass_reason": "safeguarding", "flagged": True}),
        ({"categories": ("results", "demographics")},
         {"categories": ["demographics", "results"]}),
    ],
)  # fmt: skip
def test_a_set_field_is_hashed(changes: dict[str, object], shown: dict[str, object]) -> None:
    changed = replace(entry(), **changes)  # type: ignore[arg-type]
    extra = {k: v for k, v in changed.as_dict().items() if k not in entry().as_dict()}
    assert extra == shown
    assert row_hash(GENESIS, 1, changed) != OLD_SHAPE_HASH
