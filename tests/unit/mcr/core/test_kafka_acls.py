"""The ACL table: each principal may do what its job needs and nothing more."""

from __future__ import annotations

import pytest

from mcr.core.kafka_acls import (
    OPS,
    PLANNING,
    PROJECTION,
    QUERY,
    STREAMS,
    STREAMS_APP_ID,
    Acl,
    Op,
    Pattern,
    Resource,
    component_acls,
    organisation_acls,
    organisation_principal,
    owned_by,
)
from streams.stages import STAGES, Stage, group_of


def _allowed(acls: list[Acl], user: str, topic: str, op: Op) -> bool:
    """What the broker's StandardAuthorizer would decide for these ALLOW rules."""
    for acl in acls:
        if acl.principal != user or acl.resource is not Resource.TOPIC:
            continue
        matches = (
            topic == acl.name if acl.pattern is Pattern.LITERAL else topic.startswith(acl.name)
        )
        if matches and acl.op in (op, Op.ALL):
            return True
    return False


def test_an_organisation_writes_only_its_own_topic() -> None:
    """LITERAL, so RC9 may not write RC9X's topic (a PREFIXED rule would let it)."""
    acls = organisation_acls("RC9")
    assert _allowed(acls, "org-RC9", "mcr.source.RC9", Op.WRITE)
    assert not _allowed(acls, "org-RC9", "mcr.source.RC9X", Op.WRITE)
    assert not _allowed(acls, "org-RC9", "mcr.source.RD8", Op.WRITE)
    assert not _allowed(acls, "org-RC9", "mcr.source.RC9", Op.READ)
    assert not _allowed(acls, "org-RC9", "mcr.source._asserted", Op.WRITE)


COMPONENTS = component_acls()


@pytest.mark.parametrize(
    ("user", "topic", "op", "expected"),
    [
        (STREAMS, "mcr.source.RC9", Op.READ, True),
        (STREAMS, "mcr.source.RC9", Op.WRITE, False),
        (STREAMS, "mcr.linked", Op.WRITE, True),
        (STREAMS, "mcr.shared", Op.WRITE, True),
        (STREAMS, "mcr-streams-consent-changelog", Op.CREATE, True),
        (PROJECTION, "mcr.shared", Op.READ, True),
        (PROJECTION, "mcr.source.RC9", Op.WRITE, False),
        (PROJECTION, "mcr.source.RC9", Op.READ, False),
        (PROJECTION, "mcr.linked", Op.READ, False),
        (PROJECTION, "mcr.dlq", Op.WRITE, True),
        (QUERY, "mcr.source._asserted", Op.WRITE, True),
        (QUERY, "mcr.source.RC9", Op.WRITE, False),
        (QUERY, "mcr.audit.anchors", Op.WRITE, True),
        (QUERY, "mcr.shared", Op.READ, False),
        (OPS, "mcr.shared", Op.READ, True),
        (OPS, "mcr.planning", Op.READ, True),
        (OPS, "mcr.planning", Op.WRITE, True),
        (STREAMS, "mcr.planning", Op.WRITE, True),
        (STREAMS, "mcr.planning", Op.READ, False),
        (PROJECTION, "mcr.planning", Op.READ, False),
        (QUERY, "mcr.planning", Op.READ, False),
        (PLANNING, "mcr.planning", Op.READ, True),
        (PLANNING, "mcr.planning", Op.WRITE, False),
        (PLANNING, "mcr.dlq", Op.WRITE, True),
        (PLANNING, "mcr.dlq", Op.READ, False),
        (PLANNING, "mcr.linked", Op.READ, False),
        (PLANNING, "mcr.shared", Op.READ, False),
        (PLANNING, "mcr.identity.changes", Op.READ, False),
        (PLANNING, "mcr.source.RC9", Op.READ, False),
        (OPS, "mcr.audit.anchors", Op.WRITE, False),
    ],
)
def test_component_rules(user: str, topic: str, op: Op, expected: bool) -> None:
    """Each component's topic rights, as docs/security.md tabulates them."""
    assert _allowed(COMPONENTS, user, topic, op) is expected


def _groups_of(acls: list[Acl], user: str) -> set[tuple[Pattern, str]]:
    return {
        (a.pattern, a.name) for a in acls if a.principal == user and a.resource is Resource.GROUP
    }


def test_the_planning_worker_joins_only_its_group_and_the_restore_reads_as_streams() -> None:
    """The planning principal may use its own group and no other; the streams worker's
    withdrawal restore reads under its app id, so it needs no group rule of its own."""
    acls = component_acls("t1.", streams_app_id="t1-app", planning_group="t1-planning")
    assert _groups_of(acls, PLANNING) == {(Pattern.PREFIXED, "t1-planning")}
    assert _groups_of(acls, STREAMS) == {(Pattern.PREFIXED, "t1-app")}
    assert _allowed(acls, PLANNING, "t1.mcr.planning", Op.READ)
    assert not _allowed(acls, PLANNING, "mcr.planning", Op.READ)


def test_a_topic_prefix_moves_every_rule() -> None:
    """A prefixed space grants the same rules there, and nothing on the unprefixed names."""
    acls = component_acls("t1.", streams_app_id="t1-app")
    assert _allowed(acls, STREAMS, "t1.mcr.source.RC9", Op.READ)
    assert not _allowed(acls, STREAMS, "mcr.source.RC9", Op.READ)
    assert _allowed(acls, STREAMS, "t1-app-__assignor-__leader", Op.WRITE)


@pytest.mark.parametrize("code", ["rc9", "RC-9", "R", "RC9 ", "../x", "RC9.x", ""])
def test_only_ods_codes_become_principals(code: str) -> None:
    """Anything but A-Z and 0-9 (3-10 long) is refused, without repeating it."""
    with pytest.raises(ValueError, match="expected an ODS code") as caught:
        organisation_principal(code)
    assert code not in str(caught.value) or not code


def test_removing_a_space_never_revokes_the_pipelines_own_rules() -> None:
    """A sandbox's rules minus the shared ones: the '*' group of ops and the default
    projection group stay, or the running projection would lose its group."""
    space = component_acls("t1.", streams_app_id="t1-app")
    owned = owned_by(space, "t1.", "t1-app")
    assert owned and all(a.name.startswith(("t1.", "t1-app")) for a in owned)
    shared = set(component_acls()) & set(space)
    assert shared and not shared & set(owned)


@pytest.mark.parametrize("stage", STAGES)
def test_the_streams_principal_may_run_every_stage_group(stage: Stage) -> None:
    """Each ``--stage`` worker's group (``mcr-streams``, ``mcr-streams-linked``, ...) and its
    faust topics fall under the streams principal's prefixed rules; nobody else's."""
    group = group_of(STREAMS_APP_ID, stage)
    for rules in (COMPONENTS, component_acls("t1.", streams_app_id=STREAMS_APP_ID)):
        held = {(a.principal, a.op) for a in rules if a.resource is Resource.GROUP
                and a.name != "*" and group.startswith(a.name)}  # fmt: skip
        assert held == {(STREAMS, Op.READ), (STREAMS, Op.DESCRIBE)}, group
        assert _allowed(rules, STREAMS, f"{group}-__assignor-__leader", Op.CREATE)
