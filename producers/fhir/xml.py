"""FHIR XML -> the FHIR JSON shape, so one mapper serves both formats.

The rules of the FHIR XML and JSON representations (R4):

- the root element's name is the ``resourceType``; ``contained``, ``entry.resource`` and any
  element that wraps a resource hold that resource as an object with its ``resourceType``;
- a ``value`` attribute is the element's primitive value: decimals and integers become
  numbers and booleans become booleans (see :mod:`producers.fhir.xml_shape`); other values
  stay strings, so identifiers and postcodes keep their leading zeros;
- an ``id`` attribute becomes ``id``; an extension's ``url`` attribute becomes ``url``;
- a primitive's own ``id`` and extensions go to ``_<name>`` (arrays aligned with ``null``);
- elements with cardinality above one become arrays, even with one item;
- the narrative ``div`` (XHTML) is dropped: the structured data is what we map, and the
  narrative may repeat a patient's details; comments are dropped by the parser.

DTDs and entity declarations are refused before parsing: FHIR XML never uses them, and
refusing them closes the entity-expansion and external-entity attacks on the parser.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from producers.fhir.errors import FhirXmlError
from producers.fhir.xml_shape import is_boolean, is_number, is_repeating

FHIR_NS = "http://hl7.org/fhir"


def parse_fhir_xml(text: str) -> dict[str, Any]:
    """The FHIR JSON form of one FHIR XML resource; FhirXmlError when it cannot be read."""
    text = text.removeprefix("\ufeff")  # a byte order mark some editors write
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise FhirXmlError("document: DTDs and entities are not allowed in FHIR XML")
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 - DTDs and entities refused above
    except ElementTree.ParseError as exc:
        raise FhirXmlError(f"document: not well-formed XML (line {exc.position[0]})") from exc
    namespace, name = _split(root.tag)
    if namespace != FHIR_NS or not name[:1].isupper():
        raise FhirXmlError("document: root is not a FHIR resource in the FHIR namespace")
    return _resource(root)


def _resource(element: ElementTree.Element) -> dict[str, Any]:
    _, name = _split(element.tag)
    result: dict[str, Any] = {"resourceType": name}
    result.update(_complex(element, name))
    return result


def _complex(element: ElementTree.Element, name: str) -> dict[str, Any]:
    """The JSON object of a complex element (or resource) named ``name``."""
    result: dict[str, Any] = {}
    for attribute in ("id", "url"):
        if attribute in element.attrib:
            result[attribute] = element.attrib[attribute]
    for child in element:
        namespace, child_name = _split(child.tag)
        if namespace != FHIR_NS:
            continue  # the XHTML narrative div (and anything not FHIR) is dropped
        value, annex = _convert(child, name, child_name)
        _add(result, child_name, value, annex, repeating=is_repeating(name, child_name))
    return _tidy(result)


def _convert(element: ElementTree.Element, parent: str, name: str) -> tuple[Any, Any]:
    """``(value, annex)``: the JSON value, and the ``_name`` object of a primitive."""
    children = [c for c in element if _split(c.tag)[0] == FHIR_NS]
    wrapped = [c for c in children if _split(c.tag)[1][:1].isupper()]
    if len(children) == 1 and wrapped:
        return _resource(wrapped[0]), None
    if "value" not in element.attrib:
        return _complex(element, name), None
    annex = _complex(element, name)
    annex.pop("url", None)  # only extensions carry url, and an extension is never primitive
    return _primitive(element.attrib["value"], parent, name), annex or None


def _primitive(raw: str, parent: str, name: str) -> Any:
    if is_boolean(name) and raw in ("true", "false"):
        return raw == "true"
    if is_number(parent, name):
        try:
            return int(raw) if raw.lstrip("-").isdigit() else float(raw)
        except ValueError:
            return raw  # left as written; the mapper reading it reports the bad number
    return raw


def _add(result: dict[str, Any], name: str, value: Any, annex: Any, *, repeating: bool) -> None:
    if not repeating:
        result[name] = value
        if annex is not None:
            result[f"_{name}"] = annex
        return
    values = result.setdefault(name, [])
    annexes = result.setdefault(f"_{name}", [])
    values.append(value)
    annexes.append(annex)


def _tidy(result: dict[str, Any]) -> dict[str, Any]:
    """Drop ``_name`` arrays that hold no annex at all."""
    for key in [k for k in result if k.startswith("_")]:
        if isinstance(result[key], list) and all(a is None for a in result[key]):
            del result[key]
    return result


def _split(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return None, tag
