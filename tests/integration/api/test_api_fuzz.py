"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis), against
the live uvicorn server with the demo GP's bearer token: no answer is a 5xx, every answer
matches the document, and no error body repeats a value that was sent."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.api.conftest import ApiStack, patient

EXAMPLES = 150  # per operation: about 10 s for the five operations (bounded: < 60 s)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip
MIN_ECHO = 6  # shorter values occur naturally in messages ("page", "1 to 100")


def _sent_values(case: Any) -> list[str]:
    """Every value the case sent in its query, path and headers (decoded as the server sees
    them), long enough that finding it in a body means it was echoed."""
    values: list[Any] = []
    for part in (case.query, case.path_parameters, case.headers):
        for name, value in (part or {}).items():
            if name.lower() != "authorization":  # replaced before sending (below)
                values.extend(value if isinstance(value, list) else [value])
    return [unquote(str(v)) for v in values if len(str(v)) >= MIN_ECHO]


def test_fuzzing_the_api_from_its_openapi_document(api_stack: ApiStack) -> None:
    """Each operation of /api/openapi.json, fed generated queries, paths and headers with a
    valid token: never a 5xx, answers as documented, error bodies without the input."""
    api_stack.index("p-fuzz", patient("E81001", "L1", "PAT-F", nhs="9990000018", family="Fuzz"))
    schema = schemathesis.openapi.from_url(api_stack.server.url + "/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    headers = {**api_stack.viewer}
    token = headers["Authorization"]
    calls: list[int] = []
    assert {op.path for op in operations} >= {"/api/patients", "/api/persons/{person_id}/record"}

    with api_stack.serving(search_per_minute=100_000) as api:
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            def check(case: Any) -> None:
                # The generated Authorization (the document names the bearer scheme) is
                # replaced by the GP's token: the fuzzing is of what a signed-in user can send.
                sent = {**headers, **(case.headers or {}), "Authorization": token}
                response = case.call(base_url=api.server.url, headers=sent)
                calls.append(response.status_code)
                case.validate_response(response, checks=CHECKS)
                assert response.status_code < 500, response.status_code
                if response.status_code >= 400 and response.status_code != 403:
                    body = response.content.decode("utf-8", "replace")
                    echoed = [
                        v for v in _sent_values(case) if v in body or json.dumps(v)[1:-1] in body
                    ]
                    assert not echoed, (response.status_code, body)

            check()
    assert len(calls) >= 2 * EXAMPLES and {200, 400} <= set(calls)
    assert len(api_stack.audit_rows()) > 0
