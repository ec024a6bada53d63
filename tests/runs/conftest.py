import pytest

from tests.runs.factories import record


@pytest.fixture
def make_run(db):
    return record
