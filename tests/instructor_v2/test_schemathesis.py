"""
Property-based tests of the served OpenAPI schema with schemathesis (in-process WSGI, bounded examples):
no server errors, no undocumented status codes, content types or response shapes.

Every operation gets its schema examples (real course, problem and learner), positive and negative
generated cases, authenticated as global staff and anonymously. (schemathesis' pytest plugin does not
load under pytest 9, so the operations' Hypothesis strategies are driven here directly.)
"""

import base64

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from tests.instructor_v2.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# Every check of schemathesis but two: positive_data_acceptance (any string is "valid" for a key in the schema,
# while the server parses course/usage keys and answers 400) and ignored_auth (it adds a forged session cookie
# next to our valid Basic header, which DRF rightly accepts).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    use_after_free,
]
MAX_EXAMPLES = 20


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The real WSGI handler closes connections after each request: keep the test transaction (as the test client)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(users, make_state, settings):
    settings.SUBMISSIONS = {
        "INSTRUCTOR_GRADING_POLICY": "tests.instructor_v2.hooks.grading_policy",
        "TASK_RUNNER": "inline",
    }
    make_state(users["learner"], submissions=2, score=5, grader=True)
    make_state(users["learner2"], submissions=1)
    return schemathesis.openapi.from_wsgi("/api/instructor/v2/schema/?format=json", get_wsgi_application())


@pytest.fixture
def operations(api_schema):
    found = [result.ok() for result in api_schema.get_all_operations()]
    assert len(found) == 8
    return found


def basic(user):
    return {"Authorization": "Basic " + base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()}


def run_cases(strategy, headers, seen, max_examples=MAX_EXAMPLES):
    @given(case=strategy)
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        seen.add((case.operation.label, response.status_code))

    check()


def test_examples_of_every_operation(operations, users):
    seen = set()
    for operation in operations:
        strategies = operation.get_strategies_from_examples()
        assert strategies, operation.label
        run_cases(st.one_of(strategies), basic(users["global"]), seen, max_examples=10)
    # the examples reach real data: successes on every operation but task status (its id is random)
    successes = {label for label, status in seen if status in (200, 202)}
    expected = {operation.label for operation in operations if "{task_id}" not in operation.label}
    assert successes >= expected, sorted(seen)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_cases_as_staff(operations, users, mode):
    seen = set()
    for operation in operations:
        run_cases(operation.as_strategy(generation_mode=mode), basic(users["global"]), seen)
    assert all(status < 500 for _label, status in seen)


def test_generated_cases_anonymous_and_as_a_learner(operations, users):
    seen = set()
    for operation in operations:
        run_cases(operation.as_strategy(), {}, seen, max_examples=10)
        run_cases(operation.as_strategy(), basic(users["learner"]), seen, max_examples=10)
    assert {status for _label, status in seen} <= {400, 401, 403, 404}
