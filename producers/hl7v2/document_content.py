"""The OBX segments of an MDM message -> the document itself (the ``document`` schema's
``content_type``, ``url``, ``data`` and ``size``). Pure.

An MDM message carries its document in OBX-5, by value type (OBX-2):

- ``ED`` encapsulated data: OBX-5 is ``source ^ type of data ^ subtype ^ encoding ^ data``
  (tables 0191, 0291, 0299). Base64 and ``A`` (plain text) encodings are read; the MIME type
  is type/subtype (``^application^pdf^Base64^...`` -> ``application/pdf``; HL7's ``AP``,
  ``IM``, ``AU`` and ``TEXT`` are application, image, audio and text).
- ``RP`` reference pointer: OBX-5 is ``pointer ^ application ^ type ^ subtype``; the pointer
  must be an https URL (the record shows it as a link and never fetches it).
- ``TX``, ``FT`` and ``ST`` lines: one line of text each, joined with newlines into a
  ``text/plain; charset=utf-8`` document.

One ED or RP per message (a second is refused: which one is the document?); otherwise the
text lines are the document. Other value types (``HD`` study ids, ``CE`` codes) and OBX with
status ``W`` (wrong, withdrawn) are not part of it. Inline documents are limited to
:data:`~schemas.attachments.MAX_ATTACHMENT_BYTES` like FHIR's: a larger one is refused, to be
sent as a reference pointer. Errors name the OBX field and the rule, never the content.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from typing import Any

from producers.hl7v2.errors import MappingError
from producers.hl7v2.message import Repetition, Segment
from schemas.attachments import MAX_ATTACHMENT_BYTES

POINTER_TYPES = frozenset({"ED", "RP"})
TEXT_TYPES = frozenset({"TX", "FT", "ST"})
TEXT_PLAIN = "text/plain; charset=utf-8"
_WITHDRAWN = frozenset({"W"})
# HL7 table 0191 (type of referenced data) -> the MIME top-level type.
_MEDIA: dict[str, str] = {
    "AP": "application", "APPLICATION": "application", "IM": "image", "IMAGE": "image",
    "AU": "audio", "AUDIO": "audio", "TEXT": "text", "TX": "text", "VIDEO": "video",
    "MULTIPART": "multipart",
}  # fmt: skip
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")


def document_content(obx_segments: Sequence[Segment]) -> dict[str, Any]:
    """``content_type``, ``url``, ``data`` and ``size`` of the message's document; raises
    MappingError naming the OBX field when there is none, two, or one that breaks a rule."""
    usable = [obx for obx in obx_segments if (obx.get(11) or "").upper() not in _WITHDRAWN]
    pointers = [obx for obx in usable if (obx.get(2) or "").upper() in POINTER_TYPES]
    if len(pointers) > 1:
        raise MappingError("OBX-2", "more than one ED or RP document in the message")
    if pointers:
        obx = pointers[0]
        value = obx.first(5)
        return _encapsulated(value) if (obx.get(2) or "").upper() == "ED" else _pointer(value)
    lines = [_line(obx) for obx in usable if (obx.get(2) or "").upper() in TEXT_TYPES]
    if not lines:
        raise MappingError("OBX-5", "no document (neither ED, RP nor text lines)")
    data = "\n".join(lines).encode("utf-8")
    _within_limit(data, "OBX-5")
    return {"content_type": TEXT_PLAIN, "url": None, "data": data, "size": len(data)}


def _line(obx: Segment) -> str:
    # Every repetition of a TX/FT OBX-5 is a line of its own; components are not split.
    return "\n".join("^".join("&".join(c) for c in rep.components) for rep in obx.field(5))


def _encapsulated(value: Repetition) -> dict[str, Any]:
    encoding, raw = (value.get(4) or "").upper(), value.get(5)
    if raw is None:
        raise MappingError("OBX-5.5", "encapsulated data missing")
    if encoding == "BASE64":
        data = _decoded(raw)
    elif encoding == "A":
        data = raw.encode("utf-8")
    else:
        raise MappingError("OBX-5.4", "encoding not Base64 or A")
    _within_limit(data, "OBX-5.5")
    content_type = _mime(value.get(2), value.get(3))
    if content_type is None:
        raise MappingError("OBX-5.2", "type of data missing or not a MIME type")
    return {"content_type": content_type, "url": None, "data": data, "size": len(data)}


def _pointer(value: Repetition) -> dict[str, Any]:
    url = value.get(1)
    if url is None or not url.lower().startswith("https://"):
        raise MappingError("OBX-5.1", "reference pointer not an https URL")
    return {"content_type": _mime(value.get(3), value.get(4)), "url": url, "data": None,
            "size": None}  # fmt: skip


def _mime(media: str | None, subtype: str | None) -> str | None:
    top = _MEDIA.get((media or "").upper())
    if top is None or subtype is None or not _TOKEN.match(subtype):
        return None
    return f"{top}/{subtype.lower()}"


def _decoded(encoded: str) -> bytes:
    # The encoded form is 4/3 of the decoded one: refuse before decoding a huge string.
    if len(encoded) > (MAX_ATTACHMENT_BYTES + 2) // 3 * 4 + 4:
        raise MappingError("OBX-5.5", _too_large())
    try:
        return base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise MappingError("OBX-5.5", "not base64") from None


def _within_limit(data: bytes, field: str) -> None:
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise MappingError(field, _too_large())


def _too_large() -> str:
    return (
        f"larger than {MAX_ATTACHMENT_BYTES} bytes (keep the document at the source and send "
        "a reference pointer)"
    )
