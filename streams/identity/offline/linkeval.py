"""``mcr link-eval``: feed a records CSV through the stream's resolver into a throwaway MPI
schema and measure pairwise precision, recall and F1 against the file's truth ids.

Placeholder records (Baby, Unknown...) never link on demographics, only by a verified NHS
number (matcher rule 1), so recall is also reported apart: ``placeholder_recall`` over the
true pairs that include a placeholder record, ``recall_without_placeholders`` over the rest.

``blocking_recall`` is the share of true pairs that share a blocking key (the stream's keys, blocks
over 200 records left out), so it bounds recall from above; ``candidate_pairs`` is what that
costs. ``blocking_recall_linkable`` is the same over the true pairs the matcher could link at
all: neither record a placeholder, and more than names in common (``matcher.is_names_only``:
such pairs are a new person whatever blocking finds). ``invalid_fields`` counts field values
the records file read as missing."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from mcr.core.progress_port import NullProgress, Progress, counted
from streams.identity.comparison import compare
from streams.identity.connections import throwaway_schema
from streams.identity.matcher import is_names_only
from streams.identity.normalise import profile
from streams.identity.offline.evaluation import (
    BlockingQuality,
    PairwiseQuality,
    blocking_quality,
    pairwise_quality,
)
from streams.identity.offline.records_file import LabelledRecord
from streams.identity.offline.training import blocked_pairs
from streams.identity.resolver import ResolutionOutcome, resolve
from streams.identity.scoring import MatchWeights

__all__ = ["EvalReport", "evaluate", "evaluate_on"]


@dataclass(frozen=True)
class EvalReport:
    """Quality and throughput of one link-eval run."""

    quality: PairwiseQuality
    linkable: PairwiseQuality
    """The same, over records that are not placeholders."""
    placeholders: int
    review: int
    records: int
    persons: int
    seconds: float
    weights_version: str
    blocking: BlockingQuality
    twin_guard: bool = True
    """Whether the weights keep the twin guard (``twins.py``)."""
    invalid_fields: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` line."""
        return {
            "precision": round(self.quality.precision, 6),
            "recall": round(self.quality.recall, 6),
            "f1": round(self.quality.f1, 6),
            "review": self.review,
            "records": self.records,
            "persons": self.persons,
            "records_per_s": round(self.records / self.seconds, 1) if self.seconds else 0.0,
            "true_pairs": self.quality.true_pairs,
            "predicted_pairs": self.quality.predicted_pairs,
            "true_positive_pairs": self.quality.true_positives,
            "placeholder_records": self.placeholders,
            "placeholder_pairs": self._placeholder_pairs,
            "placeholder_recall": round(self._placeholder_recall, 6),
            "recall_without_placeholders": round(self.linkable.recall, 6),
            "weights_version": self.weights_version,
            "twin_guard": self.twin_guard,
            "review_share": round(self.review / self.records, 6) if self.records else 0.0,
            "blocking_recall": round(self.blocking.recall, 6),
            "blocking_recall_linkable": round(self.blocking.linkable_recall, 6),
            "linkable_true_pairs": self.blocking.linkable_pairs,
            "candidate_pairs": self.blocking.candidate_pairs,
            "invalid_fields": dict(sorted(self.invalid_fields.items())),
        }

    @property
    def _placeholder_pairs(self) -> int:
        return self.quality.true_pairs - self.linkable.true_pairs

    @property
    def _placeholder_recall(self) -> float:
        found = self.quality.true_positives - self.linkable.true_positives
        return found / self._placeholder_pairs if self._placeholder_pairs else 1.0


def evaluate_on(
    conn: psycopg.Connection[Any],
    records: Sequence[LabelledRecord],
    weights: MatchWeights,
    *,
    invalid: Counter[str] | None = None,
    progress: Progress | None = None,
) -> EvalReport:
    """Resolve ``records`` in order on ``conn`` (a migrated MPI schema) and score the result;
    ``invalid`` is the records file's count of fields read as missing; ``progress`` sees
    each record resolved."""
    assigned: dict[str, str] = {}
    review = 0
    report = progress or NullProgress()
    report.phase("records", len(records))
    started = time.perf_counter()
    for record in counted(records, report, every=50):
        resolution = resolve(conn, record.demographics, weights, looked_up=True)
        key = record.demographics.source_key
        if resolution.outcome is ResolutionOutcome.HELD or resolution.person_id is None:
            review += 1
            assigned[key] = f"held:{key}"
        else:
            assigned[key] = resolution.person_id
    seconds = time.perf_counter() - started
    truth: dict[str, str] = {r.demographics.source_key: r.truth_id for r in records}
    persons = len({p for p in assigned.values() if not p.startswith("held:")})
    placeholders: set[str] = {
        r.demographics.source_key for r in records if profile(r.demographics).placeholder
    }
    return EvalReport(
        quality=pairwise_quality(assigned, truth),
        linkable=pairwise_quality(_without(assigned, placeholders), _without(truth, placeholders)),
        placeholders=len(placeholders),
        review=review,
        records=len(records),
        persons=persons,
        seconds=seconds,
        weights_version=weights.version,
        blocking=_blocking(records),
        twin_guard=weights.expects_twins,
        invalid_fields=dict(invalid or {}),
    )


def _blocking(records: Sequence[LabelledRecord]) -> BlockingQuality:
    profiles = [profile(r.demographics) for r in records]

    def linkable(i: int, j: int) -> bool:
        a, b = profiles[i], profiles[j]
        return not (a.placeholder or b.placeholder or is_names_only(compare(a, b)))

    return blocking_quality(
        [r.truth_id for r in records], blocked_pairs([r.demographics for r in records]), linkable
    )


def _without(mapping: dict[str, str], keys: set[str]) -> dict[str, str]:
    return {k: v for k, v in mapping.items() if k not in keys}


def evaluate(
    dsn: str,
    records: Sequence[LabelledRecord],
    weights: MatchWeights,
    *,
    invalid: Counter[str] | None = None,
    progress: Progress | None = None,
) -> EvalReport:
    """:func:`evaluate_on` in a throwaway schema, dropped afterwards."""
    with throwaway_schema(dsn) as conn:
        return evaluate_on(conn, records, weights, invalid=invalid, progress=progress)
