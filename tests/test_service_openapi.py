"""Property-based fuzzing of the service's OpenAPI description with schemathesis: requests built
from the document, valid and invalid, against the real server find no 5xx, and the answers match
the documented statuses, content types and schemas.

Schemathesis's pytest integration (`from_fixture` + `parametrize`) does not run under pytest 9,
so the cases come from its Hypothesis strategies, one operation at a time.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service_support import main_server

#: Cases per operation and mode (13 operations).
EXAMPLES = 40
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_requests_find_no_server_error(mode: GenerationMode) -> None:
    server = main_server()
    schema = schemathesis.openapi.from_url(f"{server.url}/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 13
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(base_url=server.url, timeout=300, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:  # negative mode: an operation with nothing that can be made invalid
            assert mode is GenerationMode.NEGATIVE, operation.label
        except Exception as error:  # every operation is fuzzed; all failures are reported
            failures.append(f"{operation.label}: {error}"[:3000])
    assert not failures, "\n\n".join(failures)
