"""How large a document attached inline to a ``document`` event may be.

Kafka refuses a record batch above the broker's ``message.max.bytes`` (1,048,588 bytes by
default, and the topics here keep the default). An attachment of at most 512 KiB leaves room
for the header, the metadata and a batch's framing even if a source sends it uncompressed; a
larger document stays at its source and the event carries its URL instead.
"""

from __future__ import annotations

MAX_ATTACHMENT_BYTES = 524_288
