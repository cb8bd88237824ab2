"""Consent state: newest version per item wins, and what an objection, a withheld item or an
opt-out means."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from streams.consent.state import ConsentState, Decision, Preference, Scope, apply, fold
from tests.unit.streams.consent.builders import GP, NOW, preference


def test_objection_then_opt_back_in() -> None:
    """A DENY objects; the same item's newer PERMIT lifts it; the older DENY read late does not
    bring it back."""
    deny, permit = preference(version=1), preference(decision=Decision.PERMIT, version=2)
    assert fold([deny]).objects(NOW)
    assert not fold([deny, permit]).objects(NOW)
    assert not apply(fold([permit]), deny).objects(NOW)


def test_permit_from_another_organisation_does_not_lift_an_objection() -> None:
    """Only the objecting item itself can lift an objection: doubt keeps data back."""
    state = fold([preference(), preference(decision=Decision.PERMIT, org="RC9", item="X")])
    assert state.objects(NOW)


def test_retracted_or_expired_objection_no_longer_applies() -> None:
    """An objection deleted at source, or past its effective_to, no longer objects."""
    assert not fold([preference(retracted=True)]).objects(NOW)
    assert not fold([preference(effective_to=NOW - timedelta(days=1))]).objects(NOW)
    assert fold([preference(effective_to=NOW + timedelta(days=1))]).objects(NOW)


def test_withheld_items_are_scoped_to_their_organisation() -> None:
    """ITEM_WITHHELD names source record ids of its own organisation."""
    state = fold(
        [preference(Scope.ITEM_WITHHELD, item="C9", withheld_record_ids=frozenset({"E1", "E2"}))]
    )
    assert state.withheld(NOW) == {(GP, "E1"), (GP, "E2")}
    assert not state.objects(NOW)


def test_secondary_use_opt_outs_do_not_object_to_direct_care_sharing() -> None:
    """Type 1 and National Data Opt-outs concern planning data, not the shared care record."""
    for scope in (Scope.TYPE_1_OPT_OUT, Scope.NATIONAL_DATA_OPT_OUT):
        state = fold([preference(scope)])
        assert state.opted_out_of_secondary_use(NOW) and not state.objects(NOW)


_preferences = st.builds(
    Preference,
    org=st.sampled_from(["Y01", "RC9"]),
    source_record_id=st.sampled_from(["C1", "C2", "C3"]),
    version=st.integers(1, 4),
    scope=st.sampled_from(list(Scope)),
    decision=st.sampled_from(list(Decision)),
    retracted=st.booleans(),
)


@given(st.lists(_preferences, max_size=12), _preferences)
def test_apply_is_idempotent(preferences: list[Preference], again: Preference) -> None:
    """Applying any preference a second time changes nothing (a replay is harmless)."""
    state = apply(fold(preferences), again)
    assert apply(state, again) == state


@given(st.lists(_preferences, max_size=12, unique_by=lambda p: (p.key, p.version)))
def test_fold_is_order_independent(preferences: list[Preference]) -> None:
    """Items arriving in any order give the same state (each item's newest version)."""
    assert fold(preferences) == fold(reversed(preferences))


def test_empty_state_objects_to_nothing() -> None:
    """No preferences: everything may be shared."""
    assert not ConsentState().objects(NOW) and ConsentState().withheld(NOW) == frozenset()
