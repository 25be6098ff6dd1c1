"""The leak scan as a pytest plugin: the run's logs go to a file in the run's temporary
directory, and when the run ends that directory (data directories, SQLite databases,
logs, the server's output) is scanned (`leaks.py`). A finding fails the run.

`tests/conftest.py` takes it in; `-p leak_plugin` does the same for any other run.
MYNUMBERCARD_LEAK_SCAN=0 turns the scan off (for a quick look at one test)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

import leaks

LOG_NAME = "test-run.log"


TEST_CLIENT_LOGGERS = ("httpx", "httpcore")


def _not_the_test_client(record: logging.LogRecord) -> bool:
    """The tests' own HTTP client logs every URL it asks for (the public number check
    has the number in its path); that is the test speaking, not the system."""
    return not record.name.startswith(TEST_CLIENT_LOGGERS)


@pytest.fixture(scope="session", autouse=True)
def run_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every log record of INFO and above, from every logger, into the run's log file."""
    path = tmp_path_factory.getbasetemp() / LOG_NAME
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    handler.addFilter(_not_the_test_client)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO))
    yield
    root.removeHandler(handler)
    root.setLevel(level)
    handler.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("MYNUMBERCARD_LEAK_SCAN") == "0":
        return
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    base = factory.getbasetemp()
    findings = leaks.scan_tree(base, secrets=leaks.known_secrets())
    if not findings:
        return
    report = base / "leaks.txt"
    report.write_text("\n".join(str(f) for f in findings) + "\n", encoding="utf-8")
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        terminal.section("leak scan", sep="=", red=True, bold=True)
        for finding in findings[:50]:
            terminal.write_line(str(finding))
        terminal.write_line(f"{len(findings)} findings; all of them in {report}")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
