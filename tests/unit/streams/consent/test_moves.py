"""A run of identity changes' moves folded into one upsert leaves what one-by-one upserts
would: per source key, the newest change, and of two equally new ones the later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.consent.moves import Move, newest_per_key

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _one_by_one(moves: list[Move]) -> dict[str, tuple[str, datetime]]:
    """What repository.move_source_keys leaves, called once per move (WHERE held <= new)."""
    rows: dict[str, tuple[str, datetime]] = {}
    for move in moves:
        for key in move.source_keys:
            if key not in rows or rows[key][1] <= move.changed_at:
                rows[key] = (move.person_id, move.changed_at)
    return rows


def _folded(moves: list[Move]) -> dict[str, tuple[str, datetime]]:
    rows = newest_per_key(moves)
    assert len({key for key, _, _ in rows}) == len(rows), "a key twice in one statement"
    return {key: (person, at) for key, person, at in rows}


def test_a_later_change_of_a_key_wins() -> None:
    moves = [Move(("A|1", "B|2"), "p1", T0), Move(("A|1",), "p2", T0 + timedelta(seconds=1))]
    assert _folded(moves) == {"A|1": ("p2", T0 + timedelta(seconds=1)), "B|2": ("p1", T0)}


def test_an_older_change_read_late_does_not_undo_a_newer_one() -> None:
    moves = [Move(("A|1",), "p2", T0 + timedelta(seconds=5)), Move(("A|1",), "p1", T0)]
    assert _folded(moves) == {"A|1": ("p2", T0 + timedelta(seconds=5))}


def test_of_two_equally_new_changes_the_later_in_the_batch_wins() -> None:
    moves = [Move(("A|1",), "p1", T0), Move(("A|1",), "p2", T0)]
    assert _folded(moves) == {"A|1": ("p2", T0)}


def test_same_rows_as_one_by_one_for_a_mixed_run() -> None:
    moves = [
        Move(("A|1", "A|2"), "p1", T0),
        Move((), "p9", T0),
        Move(("A|2", "C|3"), "p2", T0 + timedelta(seconds=2)),
        Move(("A|1",), "p3", T0 - timedelta(seconds=1)),
        Move(("C|3",), "p4", T0 + timedelta(seconds=2)),
    ]
    assert _folded(moves) == _one_by_one(moves)


def test_no_moves_no_rows() -> None:
    assert newest_per_key([]) == []
    assert newest_per_key([Move((), "p1", T0)]) == []
