"""The acting role: the selected role, or one the user holds named by X-MCR-Role."""

from __future__ import annotations

import pytest

from consumers.api.acting import acting_role
from consumers.api.errors import ValidationError
from tests.unit.consumers.api.builders import GP, GP_ROLE, OTHER_ROLE


@pytest.mark.parametrize(
    ("requested", "expected"),
    [(None, GP_ROLE), ("", GP_ROLE), ("555000001001", GP_ROLE), ("555000001009", OTHER_ROLE),
     (" 555000001009 ", OTHER_ROLE)],
)  # fmt: skip
def test_the_acting_role_is_selected_or_named(requested: str | None, expected: object) -> None:
    """No header: the token's selected role; a held role id: that role."""
    assert acting_role(GP, requested) == expected


def test_a_role_not_held_is_refused_without_its_value() -> None:
    """A role id the user does not hold is a 400 on X-MCR-Role; the message omits the value."""
    with pytest.raises(ValidationError, match="X-MCR-Role: not one of the user's roles") as caught:
        acting_role(GP, "555000009999")

    assert "555000009999" not in str(caught.value) and caught.value.field == "X-MCR-Role"
