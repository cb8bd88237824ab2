"""Synthetic BLMK-like region: organisations, people, their records at each organisation (with
real-world variation), clinical histories as source events, ground truth, and publishing.

Pure generation (everything except :mod:`~producers.simulator.stream`'s publisher and the CLI)
never imports Kafka. Person ``i`` is a function of ``(seed, i)`` alone, so regions of any size
stream in constant memory.
"""

from __future__ import annotations

from producers.simulator.errors import (
    PublisherUnavailableError,
    SimulationRequestError,
    SimulatorError,
)
from producers.simulator.generator import (
    PersonRecords,
    first_events,
    generate_person,
    iter_region,
)
from producers.simulator.ids import TEST_RANGE_SIZE
from producers.simulator.people import Person
from producers.simulator.records import OrgRecord, Variation
from producers.simulator.region import REGION, Area, Organisation, OrgKind, Region
from producers.simulator.stream import EventSink, TokenBucket, open_publisher, publish_region
from producers.simulator.summary import RegionTally
from producers.simulator.truth import TRUTH_HEADER, TruthRow, TruthWriter

__all__ = [
    "REGION",
    "TEST_RANGE_SIZE",
    "TRUTH_HEADER",
    "Area",
    "EventSink",
    "OrgKind",
    "OrgRecord",
    "Organisation",
    "Person",
    "PersonRecords",
    "PublisherUnavailableError",
    "Region",
    "RegionTally",
    "SimulationRequestError",
    "SimulatorError",
    "TokenBucket",
    "TruthRow",
    "TruthWriter",
    "Variation",
    "first_events",
    "generate_person",
    "iter_region",
    "open_publisher",
    "publish_region",
]
