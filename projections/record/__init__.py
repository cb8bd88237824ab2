"""The consolidated record projection: Kafka (``mcr.shared``) -> OpenSearch.

Pure core: ``ids``, ``documents``, ``bulk``, ``rekey``, ``summary``, ``queries``, ``mapping``,
``backoff``. Thin I/O: ``writer`` (OpenSearch requests), ``indices`` (versions and alias),
``runner`` (the consumer loop). ``pipeline`` holds the decisions between them. The purge
commands it obeys are part of the wire contract (``schemas.commands``).
"""

from projections.record.documents import IndexDoc, Origin, build_document
from projections.record.errors import ProjectionError
from projections.record.ids import item_id, summary_id
from projections.record.pipeline import RecordPipeline
from projections.record.queries import person_documents, visible_items
from projections.record.runner import RecordWorker
from projections.record.settings import RecordSettings

__all__ = [
    "IndexDoc",
    "Origin",
    "ProjectionError",
    "RecordPipeline",
    "RecordSettings",
    "RecordWorker",
    "build_document",
    "item_id",
    "person_documents",
    "summary_id",
    "visible_items",
]
