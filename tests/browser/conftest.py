"""The browser tests' fixtures: the real application served by `mynumbercard serve` on a
free port against a temporary data directory, and Debian's chromium (`/usr/bin/chromium`,
never a downloaded browser) driven through Playwright, one browser per run. Helpers:
tests/browser_checks.py; conventions: docs/pages.md, "Browser tests".

`make test` runs each journey at desktop width; `make e2e` at desktop and phone width,
keeping a screenshot of every checked page in var/screenshots/ (MYNUMBERCARD_E2E_WIDTHS,
MYNUMBERCARD_SCREENSHOTS).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.rate_limit_storage import DatabaseStorage
from mynumbercard.bootstrap import Container
from mynumbercard.config import Settings

from browser_checks import CHROMIUM, VIEWPORTS, WIDTHS, Site
from pgcluster import free_port


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "viewport" in metafunc.fixturenames:
        unknown = set(WIDTHS) - set(VIEWPORTS)
        if unknown:
            raise pytest.UsageError(f"MYNUMBERCARD_E2E_WIDTHS: unknown {sorted(unknown)}")
        metafunc.parametrize("viewport", WIDTHS)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """`mynumbercard serve` on a migrated SQLite data directory of its own, for the run."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (`.ci/run` does)")
    tmp = tmp_path_factory.mktemp("site")
    home = tmp / "home"
    env = {**os.environ, "MYNUMBERCARD_HOME": str(home)}
    for key in ("MYNUMBERCARD_DATABASE_URL", "MYNUMBERCARD_CLOCK", "MYNUMBERCARD_TOKEN",
                "MYNUMBERCARD_CREDENTIAL_FILE", "MYNUMBERCARD_PUBLIC_BASE_URL"):
        env.pop(key, None)
    executable = str(Path(sys.executable).with_name("mynumbercard"))
    subprocess.run([executable, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    env["MYNUMBERCARD_PUBLIC_BASE_URL"] = url = f"http://127.0.0.1:{port}"
    settings = Settings(home=home, public_base_url=url)
    container = Container(settings=settings, engine=make_engine(settings.resolved_database_url))
    with (tmp / "server.log").open("wb") as log, \
            subprocess.Popen([executable, "serve", "--port", str(port), "--seal-every", "0"],
                             env=env, stdout=log, stderr=subprocess.STDOUT) as process:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz"):
                    break
            except OSError:
                assert process.poll() is None, (tmp / "server.log").read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        try:
            yield Site(url, home, container)
        finally:
            process.terminate()
            process.wait(timeout=10)
            container.engine.dispose()


@pytest.fixture(scope="session")
def browser(site: Site) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser, site: Site, viewport: str,
         request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (no cookies) at `viewport` width, its base URL the site;
    Japanese is the browser's language, as most staff's."""
    # Each journey is a new person at the counter: the rate limits' counters of the
    # site's one client address (127.0.0.1) start afresh, or the journeys of a run at
    # two widths pass the sign-ins a minute allowed from one address (tested in the API).
    DatabaseStorage(site.container.engine).reset()
    context = browser.new_context(base_url=site.url, viewport=VIEWPORTS[viewport],
                                  locale="ja-JP")
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    opened.checked_name = f"{request.node.originalname}-{viewport}"  # type: ignore[attr-defined]
    try:
        yield opened
    finally:
        context.close()
