"""The leak scan as a pytest plugin: the run's logs go to a file in the run's temporary
directory, and when the run ends that directory (data directories, SQLite databases,
logs, the server's output) is scanned (`leaks.py`). A finding fails the run.

`tests/conftest.py` takes it in; `-p leak_plugin` does the same for any other run.
MYNUMBERCARD_LEAK_SCAN=0 turns the scan off (for a quick look at one test)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

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
    """Scan this process's temporary directory. Under pytest-xdist each worker scans its
    own (only it knows the secrets of the test modules it imported) and hands its findings
    to the controller, which reports them all and fails the run (a worker's exit status
    does not reach it)."""
    if os.environ.get("MYNUMBERCARD_LEAK_SCAN") == "0":
        return
    config = session.config
    if _is_xdist_controller(config):
        findings = config.stash.get(_WORKER_FINDINGS, [])
    else:
        findings = [str(f) for f in _scan(config)]
        if hasattr(config, "workerinput"):  # an xdist worker: the controller reports
            config.workeroutput["leak_findings"] = findings  # type: ignore[attr-defined]
            return
    if findings:
        _report(session, findings)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: none without xdist
def pytest_testnodedown(node: Any, error: object) -> None:
    """The controller's side: an xdist worker's findings, as it finished."""
    findings = getattr(node, "workeroutput", {}).get("leak_findings", [])
    node.config.stash.setdefault(_WORKER_FINDINGS, []).extend(findings)


_WORKER_FINDINGS = pytest.StashKey[list[str]]()


def _is_xdist_controller(config: pytest.Config) -> bool:
    return config.pluginmanager.getplugin("dsession") is not None


def _scan(config: pytest.Config) -> list[leaks.Finding]:
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None:
        return []
    return leaks.scan_tree(factory.getbasetemp(), secrets=leaks.known_secrets())


def _report(session: pytest.Session, findings: list[str]) -> None:
    factory = session.config._tmp_path_factory  # type: ignore[attr-defined]
    report = factory.getbasetemp() / "leaks.txt"
    report.write_text("\n".join(findings) + "\n", encoding="utf-8")
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        terminal.section("leak scan", sep="=", red=True, bold=True)
        for finding in findings[:50]:
            terminal.write_line(finding)
        terminal.write_line(f"{len(findings)} findings; all of them in {report}")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
