"""Shared pieces of the reliability tests: job bodies, an HTTP client, the default shop for transactional tests,
and a second database standing in for a read replica.

The ``replica`` alias is added here rather than in settings because settings only define it when
``DATABASE_REPLICA_URL`` is set. pytest-django creates a test database only for aliases that some collected
test asks for (``django_db(databases=[..., "replica"])``), so the alias costs nothing to the other tests, and
``rmos_site.core.db_router.read_db()`` keeps answering "default" until a test switches ``RMOS_READ_DATABASE``.
"""

import copy
import http.client
import importlib
import json
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connections

ROUTER_RING = {
    "tool_id": "router:downcut_1_8in",
    "material_id": "ebony",
    "machine_id": "router_a",
    "design": {"shape": "ring", "od": 100, "width": 4, "depth": 1.5},
}
# A saw cannot cut a ring channel: RED, so toolpaths answer 409 SAFETY_BLOCKED.
SAW_RING = {
    "tool_id": "saw:thin_140",
    "material_id": "ebony",
    "machine_id": "router_a",
    "design": {"shape": "ring", "od": 140},
}


def http_post(base_url: str, path: str, body: dict, token: str, key: str | None = None):
    """One POST over a fresh connection: ``(status, headers, parsed body)``."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    try:
        connection.request("POST", path, json.dumps(body), headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


@pytest.fixture
def default_shop(transactional_db):
    """The default shop, which a transactional test's teardown flush removes along with everything else (the
    roles' groups come back by themselves: the flush re-runs post_migrate)."""
    for name in ("0002_default_shop", "0004_default_shop_work_coordinates"):
        importlib.import_module(f"feasibility.migrations.{name}").load(apps, None)


def _add_replica_alias() -> None:
    if "replica" in connections.settings:
        return
    # connections.settings is settings.DATABASES with Django's defaults filled in; copying the configured
    # default entry gives the new alias those defaults too.
    default = connections.settings["default"]
    replica = copy.deepcopy(default)
    replica["NAME"] = f"{default['NAME']}_replica"
    replica["TEST"] = {**replica.get("TEST", {}), "NAME": f"test_{default['NAME']}_replica", "MIRROR": None}
    connections.settings["replica"] = replica
    if "replica" not in settings.DATABASES:
        settings.DATABASES["replica"] = replica


_add_replica_alias()
