"""Hostile input from the schema itself: schemathesis drives every operation of ``/api/schema`` as an operator.

Every answer must be below 500 and match what the schema declares (status, content type, headers, body
shape). The examples are bounded so the suite stays fast; run the CLI against a server for a longer campaign
(``docs/security.md``).

Two default checks compare the request with the schema rather than the answer, and are left out here because
RMOS departs from its schema on purpose in both directions, for reasons OpenAPI cannot state:

- ``positive_data_acceptance`` (a schema-valid request must not be a 4xx): a cursor or an ``Idempotency-Key``
  is a string to the schema, but a made-up cursor (400 ``INVALID_CURSOR``) or a key reused with another body
  (422) is refused, and a session's context may come nested or flat but not both;
- ``negative_data_rejection`` (a schema-invalid request must be a 4xx): the index ignores blank filters (a
  form's empty select means "any"), and text fields are trimmed before their length is checked.

Both were run while writing this test and what they found that was not on purpose was fixed (numbers sent as
``true``/``false`` or strings, ``{"shape": {}}`` answered 500, request bodies not declared closed).

The document is generated at collection time, before any database exists (schemathesis parametrises one test
per operation from it); ``test_served_schema_is_the_one_fuzzed`` shows it is the one ``/api/schema`` serves.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from rmos_site.core.tokens import token_issue
from tests.conftest import make_user

MAX_EXAMPLES = 20

DOCUMENT = SchemaGenerator().get_schema(request=None, public=True)
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.app = get_wsgi_application()
# The coverage phase adds a few hundred deterministic boundary cases per job operation (every design variant's
# every limit): a minute on its own. The CLI campaign in docs/security.md runs it.
schema.config.phases.coverage.enabled = False


@pytest.fixture
def operator_token(db):
    return token_issue(user=make_user("fuzzer", "operator"))


@pytest.fixture
def in_test_transaction():
    """The WSGI stack serves each call in this thread, inside the test's transaction: like Django's test
    client, keep it from closing that connection at the start and end of every request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_served_schema_is_the_one_fuzzed(operator_token, in_test_transaction):
    served = schemathesis.openapi.from_wsgi(
        "/api/schema", schema.app, headers={"Authorization": f"Token {operator_token}"}
    )
    assert served.raw_schema == DOCUMENT


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_every_operation_answers_below_500_as_declared(case, operator_token, in_test_transaction):
    case.call_and_validate(
        headers={"Authorization": f"Token {operator_token}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )
