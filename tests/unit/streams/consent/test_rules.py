"""What may enter the shared record, and what a consent item makes the projection remove."""

from __future__ import annotations

import pytest

from streams.consent.rules import (
    ItemRef,
    Purge,
    Verdict,
    kept_back,
    purge_for,
    relabel_purge,
    verdict,
)
from streams.consent.state import ConsentState, Decision, Scope, fold
from tests.unit.streams.consent.builders import GP, NOW, preference

WITHHOLDS_E1 = preference(Scope.ITEM_WITHHELD, item="C9", withheld_record_ids=frozenset({"E1"}))


@pytest.mark.parametrize(
    ("item", "state", "expected"),
    [
        (ItemRef("result", GP, "R1"), ConsentState(), Verdict.SHARE),
        (ItemRef("result", GP, "R1"), fold([preference()]), Verdict.OBJECTION),
        (ItemRef("patient", "RC9", "P1"), fold([preference()]), Verdict.OBJECTION),
        (ItemRef("encounter", GP, "E1"), fold([WITHHOLDS_E1]), Verdict.WITHHELD),
        (ItemRef("encounter", "RC9", "E1"), fold([WITHHOLDS_E1]), Verdict.SHARE),
        (ItemRef("encounter", GP, "E2", ("sexual-health",)), ConsentState(), Verdict.SENSITIVE),
        (ItemRef("result", GP, "R2", ("V",)), ConsentState(), Verdict.SENSITIVE),
        (ItemRef("result", GP, "R3", ("R",)), ConsentState(), Verdict.SHARE),
        (ItemRef("consent", GP, "C1"), ConsentState(), Verdict.CONSENT_EVENT),
        (ItemRef("result", GP, "R1"), fold([preference(Scope.TYPE_1_OPT_OUT)]), Verdict.SHARE),
    ],
    ids=[
        "no-preferences",
        "objection",
        "objection-covers-every-organisation",
        "withheld",
        "withheld-is-per-organisation",
        "sensitive-category",
        "very-restricted",
        "restricted-is-shared",
        "consent-events-never-shared",
        "type-1-does-not-stop-direct-care",
    ],
)
def test_verdict(item: ItemRef, state: ConsentState, expected: Verdict) -> None:
    """Each rule keeps back exactly what it names."""
    assert verdict(item, state, NOW) is expected


def test_objection_purges_everything_and_opt_back_in_purges_nothing() -> None:
    """A live objection removes the whole person; once lifted, the same item removes nothing."""
    assert purge_for((GP, "C1"), fold([preference()]), NOW) == Purge("objection")
    lifted = fold([preference(), preference(decision=Decision.PERMIT, version=2)])
    assert purge_for((GP, "C1"), lifted, NOW) is None


def test_withheld_items_purge_only_those_items() -> None:
    """An ITEM_WITHHELD removes only the items it names, as (org, source record id)."""
    state = fold([WITHHOLDS_E1])
    assert purge_for((GP, "C9"), state, NOW) == Purge("withheld", ((GP, "E1"),))


def test_purge_is_decided_from_the_item_held_so_a_repeat_purges_again() -> None:
    """The same objection processed twice asks for the purge twice (a lost purge is worse)."""
    state = fold([preference(), preference()])
    assert purge_for((GP, "C1"), state, NOW) == Purge("objection")


def test_opt_outs_and_unknown_items_purge_nothing() -> None:
    """Type 1 / National Data Opt-out do not touch the shared record; an unknown item neither."""
    state = fold([preference(Scope.NATIONAL_DATA_OPT_OUT)])
    assert purge_for((GP, "C1"), state, NOW) is None
    assert purge_for(("RC9", "nope"), state, NOW) is None


def test_kept_back_counts_reasons_not_ids() -> None:
    """The batch log gets counts per reason only."""
    verdicts = [Verdict.SHARE, Verdict.OBJECTION, Verdict.OBJECTION, Verdict.SENSITIVE]
    assert kept_back(verdicts) == {"objection": 2, "sensitive": 1}


def test_withholding_an_item_covers_its_components() -> None:
    """Producers name a FHIR Observation's components <id>#...: they are withheld with it."""
    state = fold([WITHHOLDS_E1])
    assert verdict(ItemRef("result", GP, "E1#component-0"), state, NOW) is Verdict.WITHHELD
    assert verdict(ItemRef("result", GP, "E10"), state, NOW) is Verdict.SHARE


def test_a_withhold_naming_nothing_purges_nothing() -> None:
    """An ITEM_WITHHELD with no ids must never become a purge of the whole record."""
    state = fold([preference(Scope.ITEM_WITHHELD, item="C9")])
    assert purge_for((GP, "C9"), state, NOW) is None


@pytest.mark.parametrize(
    ("version", "found", "expected"),
    [
        (2, Verdict.SENSITIVE, Purge("sensitive", ((GP, "E1"),))),
        (1, Verdict.SENSITIVE, None),
        (2, Verdict.WITHHELD, None),
        (2, Verdict.OBJECTION, None),
    ],
)
def test_relabel_purge_only_for_a_later_sensitive_version(
    version: int, found: Verdict, expected: Purge | None
) -> None:
    """A sensitive version after an earlier one purges that item (the earlier may be shared);
    withheld and objecting events were purged when the preference arrived."""
    item = ItemRef("encounter", GP, "E1", ("sexual-health",), version)
    assert relabel_purge(item, found) == expected
