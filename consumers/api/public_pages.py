"""The public pages' content: which organisations take part, in plain words. Pure.

Anyone may read these pages without signing in: they name organisations, never people.
Every value placed in HTML is escaped (names come from the registry, which operators edit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from schemas.organisations import Organisation, OrganisationKind, OrgStatus

__all__ = ["KIND_LABELS", "STATUS_LABELS", "PublicOrganisation", "public_list", "render_list"]

KIND_LABELS = {
    OrganisationKind.GP_PRACTICE: "GP practice",
    OrganisationKind.ACUTE: "Hospital trust",
    OrganisationKind.COMMUNITY: "Community health services",
    OrganisationKind.MENTAL_HEALTH: "Mental health services",
    OrganisationKind.AMBULANCE: "Ambulance service",
    OrganisationKind.COUNCIL_SOCIAL_CARE: "Council social care",
}
STATUS_LABELS = {
    OrgStatus.LIVE: "Sharing",
    OrgStatus.SUSPENDED: "Sharing paused",
    OrgStatus.ONBOARDING: "Joining",
}
_ORDER = list(OrganisationKind)


@dataclass(frozen=True)
class PublicOrganisation:
    """What the public sees of one organisation: no contact, systems or internal dates."""

    ods_code: str
    name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    live_since: date | None


def public_list(organisations: Iterable[Organisation]) -> list[PublicOrganisation]:
    """Every organisation, grouped by kind (in :class:`OrganisationKind`'s order), then by
    name."""
    ordered = sorted(organisations, key=lambda o: (_ORDER.index(o.kind), o.name, o.ods_code))
    return [
        PublicOrganisation(
            o.ods_code,
            o.name,
            o.kind.value,
            KIND_LABELS[o.kind],
            o.status.value,
            STATUS_LABELS[o.status],
            o.live_since,
        )
        for o in ordered
    ]


def _row(org: PublicOrganisation) -> str:
    since = org.live_since.strftime("%-d %B %Y") if org.live_since else "—"
    return (
        f'<tr data-ods="{escape(org.ods_code)}"><td>{escape(org.name)}</td>'
        f"<td>{escape(org.kind_label)}</td><td>{escape(org.status_label)}</td>"
        f"<td>{escape(since)}</td></tr>"
    )


def render_list(organisations: Sequence[PublicOrganisation]) -> str:
    """The HTML page listing ``organisations``."""
    sharing = sum(1 for o in organisations if o.status == OrgStatus.LIVE.value)
    rows = "\n".join(_row(org) for org in organisations)
    return _PAGE.format(count=len(organisations), sharing=sharing, rows=rows)


_PAGE = """<!doctype html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <link rel="icon" href="data:,">
  <title>Organisations taking part — My Care Record</title>
  <link rel="stylesheet" href="/static/style.css">
</head>
<body>
  <header class="topbar">
    <div class="brand">
      <span class="brand-mark" aria-hidden="true">MCR</span>
      <span class="brand-name">My Care Record</span>
      <span class="brand-sub">shared care record</span>
    </div>
  </header>
  <main>
    <section class="panel public" aria-labelledby="orgs-title">
      <h1 id="orgs-title">Organisations taking part</h1>
      <p>These {count} organisations have signed the region's data sharing agreement or are
        joining it; {sharing} share information today. Each one shares only what it records
        itself. <a href="/about">How your information is shared, and how to object</a>.</p>
      <table class="data" id="organisations">
        <caption>Organisations in the shared care record</caption>
        <thead><tr><th scope="col">Organisation</th><th scope="col">Kind</th>
          <th scope="col">Status</th><th scope="col">Sharing since</th></tr></thead>
        <tbody>
{rows}
        </tbody>
      </table>
      <p>The same list as data: <a href="/api/public/organisations">/api/public/organisations</a>.
        <a href="/">Back to the start page</a>.</p>
    </section>
  </main>
</body>
</html>
"""
