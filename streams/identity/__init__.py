"""Identity matching and the master patient index (see README.md in this folder).

Pure core: demographics, normalise, nicknames, comparison, blocking, scoring, decision,
matcher. I/O at the edges: repository (and reviews, merges, outbox, linking, resolver) with
psycopg; agents with faust; cli with typer. Offline tooling (link evaluation, EM training, the
sandbox) lives in ``offline``. Importing this package never imports faust.
"""

from streams.identity.decision import LinkDecision, Thresholds
from streams.identity.demographics import Demographics, NhsStatus, from_payload
from streams.identity.matcher import CandidatePerson, Match, Rule, match
from streams.identity.repository import migrate
from streams.identity.resolver import Resolution, ResolutionOutcome, resolve
from streams.identity.scoring import MatchWeights
from streams.identity.weights import load as load_weights

__all__ = [
    "CandidatePerson",
    "Demographics",
    "LinkDecision",
    "Match",
    "MatchWeights",
    "NhsStatus",
    "Resolution",
    "ResolutionOutcome",
    "Rule",
    "Thresholds",
    "from_payload",
    "load_weights",
    "match",
    "migrate",
    "resolve",
]
