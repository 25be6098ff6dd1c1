"""`mynumbercard number check`: the CLI contract other tools build on."""

from __future__ import annotations

import json
import random
import subprocess

from typer.testing import CliRunner

from mynumbercard.cli.main import app
from mynumbercard.domain import individual_number

from cli_checks import console_script

runner = CliRunner()

VALID = "123456789018"


def test_one_valid_number() -> None:
    result = runner.invoke(app, ["number", "check", VALID])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{VALID}\tvalid\n"


def test_one_line_per_number_with_the_reason_and_exit_1() -> None:
    result = runner.invoke(app, ["number", "check", VALID, "123456789019", "12345", "１２"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        f"{VALID}\tvalid",
        "123456789019\tinvalid\tcheck_digit\twrong check digit: expected 8, got 9",
        "12345\tinvalid\tlength\tan Individual Number has 12 digits, got 5",
        "１２\tinvalid\tnon_digit\tonly the digits 0-9 can form an Individual Number: "
        "'１' at position 1",
    ]


def test_json_has_exactly_number_valid_reason() -> None:
    result = runner.invoke(app, ["number", "check", "--json", VALID, "123456789019", "12a", "1234"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {"number": VALID, "valid": True, "reason": None},
        {"number": "123456789019", "valid": False, "reason": "check_digit"},
        {"number": "12a", "valid": False, "reason": "non_digit"},
        {"number": "1234", "valid": False, "reason": "length"},
    ]


def test_json_all_valid_exits_0() -> None:
    result = runner.invoke(app, ["number", "check", VALID, "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [{"number": VALID, "valid": True, "reason": None}]


def test_dash_reads_standard_input_one_number_a_line() -> None:
    stdin = f"  {VALID}  \n\n\t123456789019\r\n   \n"
    result = runner.invoke(app, ["number", "check", "-", "--json"], input=stdin)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {"number": VALID, "valid": True, "reason": None},
        {"number": "123456789019", "valid": False, "reason": "check_digit"},
    ]


def test_dash_mixes_with_arguments_in_order() -> None:
    result = runner.invoke(app, ["number", "check", "12345", "-", VALID], input=f"{VALID}\n")
    assert result.exit_code == 1
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == [
        "12345",
        VALID,
        VALID,
    ]


def test_empty_standard_input_checks_nothing() -> None:
    result = runner.invoke(app, ["number", "check", "-", "--json"], input="\n\n")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_bytes_that_are_not_utf8_are_not_digits() -> None:
    result = runner.invoke(
        app, ["number", "check", "-", "--json"], input=b"\xff23456789018\n" + VALID.encode()
    )
    assert result.exit_code == 1
    assert [item["reason"] for item in json.loads(result.stdout)] == ["non_digit", None]


def test_an_argument_is_not_stripped() -> None:
    result = runner.invoke(app, ["number", "check", "--json", f" {VALID}"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)[0]["reason"] == "non_digit"


def test_no_number_is_a_usage_error() -> None:
    result = runner.invoke(app, ["number", "check"])
    assert result.exit_code == 2


def test_many_numbers_on_standard_input() -> None:
    rng = random.Random(4)
    numbers = [individual_number.generate(rng) for _ in range(5000)]
    result = runner.invoke(app, ["number", "check", "-", "--json"], input="\n".join(numbers))
    assert result.exit_code == 0
    assert [item["number"] for item in json.loads(result.stdout)] == numbers


def test_the_installed_command_reads_standard_input() -> None:
    completed = subprocess.run(
        [console_script(), "number", "check", "-", "--json"],
        input=f"{VALID}\n123456789010\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert json.loads(completed.stdout) == [
        {"number": VALID, "valid": True, "reason": None},
        {"number": "123456789010", "valid": False, "reason": "check_digit"},
    ]
    assert completed.stderr == ""
