"""docs/walkthrough.md, run as written: its shell blocks in order, in one bash, from a new
directory (a fresh data directory on SQLite); each step's `# expect:` lines must be in
what that step printed. The document is the test's only script, so the two cannot drift."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "walkthrough.md"
STEP = re.compile(r"^## (.+?)$.*?^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)
MARK = "@@walkthrough-step"


def steps() -> list[tuple[str, str]]:
    """(title, commands) of each step, in order."""
    return STEP.findall(DOC.read_text(encoding="utf-8"))


def expected(commands: str) -> list[str]:
    return [line.split("# expect:", 1)[1].strip() for line in commands.splitlines()
            if line.startswith("# expect:")]


def test_the_document_has_the_whole_walk() -> None:
    titles = [title for title, _ in steps()]
    for word in ("Arrival", "number notice", "application", "Review", "Production",
                 "notice of issuance", "Hand-over", "unlocked", "Certificate renewal",
                 "validity notice", "Card renewal"):
        assert any(word in title for title in titles), word
    assert all(expected(commands) for _, commands in steps())


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (.ci/run)")
def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    script = ["set -euo pipefail"]
    for number, (_, commands) in enumerate(steps()):
        script += [f"echo {MARK} {number}", commands]
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("MYNUMBERCARD_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["COLUMNS"] = "200"
    ran = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=1800, check=False)
    parts = re.split(rf"^{MARK} (\d+)$", ran.stdout, flags=re.MULTILINE)
    printed = {int(number): text for number, text in zip(parts[1::2], parts[2::2],
                                                         strict=True)}
    last = max(printed, default=-1)
    assert ran.returncode == 0, (f"step {steps()[last][0]!r} failed:\n"
                                 f"{printed.get(last, ran.stdout)[-3000:]}")
    assert len(printed) == len(steps())
    for number, (title, commands) in enumerate(steps()):
        for text in expected(commands):
            assert text in printed[number], (title, text, printed[number][-2000:])
    assert "Traceback" not in ran.stdout
