"""`mynumbercard points ...`: a campaign as data, refused when malformed or overlapping,
and the settlement totals per payment service."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mynumbercard.cli.main import app

from cli_checks import ok

runner = CliRunner()


def test_campaigns_and_settlement_from_the_command_line(env: dict[str, str]) -> None:
    made = json.loads(ok("points", "campaign", "dec-2026", "--from", "2026-12-01", "--to",
                         "2026-12-31", "--qualifies", "charge"))
    assert made == {"name": "dec-2026", "starts_on": "2026-12-01", "ends_on": "2026-12-31",
                    "rate_percent": 25, "cap": 5000, "qualifies": ["charge"]}
    assert json.loads(ok("points", "campaigns")) == [made]
    overlap = runner.invoke(app, ["points", "campaign", "jan", "--from", "2026-12-31",
                                  "--to", "2027-01-31"])
    assert overlap.exit_code not in {0, 1}
    assert "overlaps the campaign dec-2026" in overlap.output
    bad = runner.invoke(app, ["points", "campaign", "x", "--from", "2027-02-01", "--to",
                              "2027-03-01", "--rate", "0"])
    assert bad.exit_code not in {0, 1}
    assert "rate is 1 to 100" in bad.output
    settled = json.loads(ok("points", "settlement", "--campaign", "dec-2026"))
    assert settled == {"campaign": "dec-2026", "totals": [], "reports": 0, "granted": 0}
