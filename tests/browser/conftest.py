"""What the browser tests share: Debian's Chromium through Playwright, a live server with a working shop's
history, and a tab that records console errors (CSP violations among them) and saves screenshots."""

import io
import os
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from rmos_site.core.enums import Role
from tests.conftest import make_user
from tests.workflow.conftest import drive

CHROMIUM = os.environ.get("RMOS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
RING = '{"shape": "ring", "od": 120, "width": 8, "depth": 2}'  # a rosette channel
RING_FIELDS = {"ring__od": "120", "ring__width": "8", "ring__depth": "2"}  # the same, in the ring's form
JOB = {"tool_id": "router:downcut_1_8in", "material_id": "ebony", "machine_id": "router_a"}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium package to run browser tests")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread for as long as the browser lives, and
    # Django refuses ORM calls (the test's own, the database flush after it) from a thread with a running
    # loop unless told it is safe. It is: the loop only waits on the browser while the test talks to the ORM.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def shop(live_server):
    """The live server's database with the default shop registry and a little synthetic history."""
    # A transactional test starts from whatever the previous one's flush left: reload the migration's shop.
    from importlib import import_module

    for name in ("0002_default_shop", "0004_default_shop_work_coordinates"):
        import_module(f"feasibility.migrations.{name}").load(apps, None)
    call_command("load_runs", "120", days=6, seed=7, verbosity=0, stdout=io.StringIO())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    operator, approver = make_user("op", Role.OPERATOR), make_user("appr", Role.APPROVER)
    # Earlier sessions, walked through the services, so the lists read like a working day.
    colleague = make_user("op2", Role.OPERATOR)
    for state in ("toolpaths_ready", "rejected", "context_ready", "draft"):
        drive(state, creator=colleague, approver=approver)
    return {"operator": operator, "approver": approver, "url": live_server.url}


class Tab:
    """One browser tab that records console errors (CSP violations among them) and takes screenshots."""

    def __init__(self, browser, base_url: str, *, javascript: bool = True, width: int = 1400, **options):
        self.context = browser.new_context(
            viewport={"width": width, "height": 900}, base_url=base_url, java_script_enabled=javascript, **options
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def log_in(self, username: str) -> None:
        self.page.goto("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", f"pw-{username}")
        self.page.click("button[type=submit]")
        self.page.wait_for_url(re.compile(r".*/$"))

    def message(self) -> str:
        return self.page.inner_text(".messages")

    def close(self) -> None:
        self.context.close()
