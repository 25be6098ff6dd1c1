"""`mynumbercard rules expiry` (one card or a CSV batch) and `rules relocation`."""

from __future__ import annotations

import csv
import io
import json
import subprocess

import pytest
from typer.testing import CliRunner

from mynumbercard.cli.main import app

from cli_checks import console_script

runner = CliRunner()

HEADER = "birth_date,applied_on,issued_on,certificate_issued_on,residence_until"
RESULT_HEADER = (
    "card_expires_on,signature_certificate_expires_on,user_certificate_expires_on,"
    "card_renewal_opens_on"
)


def one_line(text: str) -> str:
    """Messages on standard error may be wrapped to the terminal width."""
    return " ".join(text.split())


def expiry(*options: str) -> dict[str, object]:
    result = runner.invoke(app, ["rules", "expiry", *options])
    assert result.exit_code == 0, result.output
    value = json.loads(result.stdout)
    assert isinstance(value, dict)
    return value


# --- one card ---------------------------------------------------------------------------


def test_expiry_worked_example_adult() -> None:
    assert expiry(
        "--birth-date", "1980-10-10", "--applied-on", "2020-04-01", "--issued-on", "2020-05-15"
    ) == {
        "card_expires_on": "2029-10-10",
        "signature_certificate_expires_on": "2024-10-10",
        "user_certificate_expires_on": "2024-10-10",
        "card_renewal_opens_on": "2029-07-10",
    }


@pytest.mark.parametrize(
    ("applied_on", "card_expires_on"), [("2022-03-31", "2026-06-01"), ("2022-04-01", "2031-06-01")]
)
def test_expiry_across_the_age_of_majority_change(applied_on: str, card_expires_on: str) -> None:
    value = expiry(
        "--birth-date", "2003-06-01", "--applied-on", applied_on, "--issued-on", "2022-04-20"
    )
    assert value["card_expires_on"] == card_expires_on


def test_expiry_born_29_february() -> None:
    value = expiry(
        "--birth-date", "2000-02-29", "--applied-on", "2024-01-10", "--issued-on", "2024-02-01"
    )
    assert value["card_expires_on"] == "2033-02-28"
    assert value["card_renewal_opens_on"] == "2032-11-28"


def test_expiry_child_has_no_signature_certificate_and_a_limited_stay_caps() -> None:
    value = expiry(
        "--birth-date", "2015-06-01",
        "--applied-on", "2024-01-10",
        "--issued-on", "2024-02-01",
        "--certificate-issued-on", "2024-02-20",
        "--residence-until", "2027-03-31",
    )  # fmt: skip
    assert value == {
        "card_expires_on": "2027-03-31",
        "signature_certificate_expires_on": None,
        "user_certificate_expires_on": "2027-03-31",
        "card_renewal_opens_on": "2026-12-31",
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            [
                "--birth-date",
                "2023-02-29",
                "--applied-on",
                "2024-01-10",
                "--issued-on",
                "2024-02-01",
            ],
            "error: --birth-date: 2023-02-29 is not a date in the calendar",
        ),
        (
            ["--birth-date", "1.2.2000", "--applied-on", "2024-01-10", "--issued-on", "2024-02-01"],
            "error: --birth-date: expected a date as YYYY-MM-DD, got '1.2.2000'",
        ),
        (
            [
                "--birth-date",
                "2000-01-01",
                "--applied-on",
                "2024-03-10",
                "--issued-on",
                "2024-02-01",
            ],
            "error: the application date 2024-03-10 is after the issue date 2024-02-01",
        ),
        (
            ["--birth-date", "2000-01-01", "--applied-on", "2024-01-10"],
            "error: missing option --issued-on (or use --batch)",
        ),
    ],
)
def test_expiry_bad_dates_exit_2_with_a_message(options: list[str], message: str) -> None:
    result = runner.invoke(app, ["rules", "expiry", *options])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert one_line(result.stderr) == message
    assert "Traceback" not in result.output


# --- batch ------------------------------------------------------------------------------


def batch(stdin: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["rules", "expiry", "--batch"], input=stdin)
    return result.exit_code, result.stdout, one_line(result.stderr)


def test_batch_adds_the_four_columns() -> None:
    code, out, err = batch(
        f"{HEADER}\n"
        "1980-10-10,2020-04-01,2020-05-15,,\n"
        "2003-06-01,2022-03-31,2022-04-20,2022-05-01,\n"
        "2015-06-01,2024-01-10,2024-02-01,2024-02-20,2027-03-31\n"
    )
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{HEADER},{RESULT_HEADER}",
        "1980-10-10,2020-04-01,2020-05-15,,,2029-10-10,2024-10-10,2024-10-10,2029-07-10",
        "2003-06-01,2022-03-31,2022-04-20,2022-05-01,,2026-06-01,2026-06-01,2026-06-01,2026-03-01",
        "2015-06-01,2024-01-10,2024-02-01,2024-02-20,2027-03-31,2027-03-31,,2027-03-31,2026-12-31",
    ]


def test_batch_keeps_other_columns_any_order_a_bom_and_skips_blank_lines() -> None:
    code, out, _ = batch(
        "\ufeffid,issued_on,applied_on,birth_date,residence_until,certificate_issued_on\r\n"
        '"A,1",2020-05-15,2020-04-01,1980-10-10,,\r\n'
        "\r\n"
        "B2,2022-04-20,2022-04-01,2003-06-01,,\r\n"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["id"], r["card_expires_on"]) for r in rows] == [
        ("A,1", "2029-10-10"),
        ("B2", "2031-06-01"),
    ]
    assert list(rows[0])[:6] == [
        "id", "issued_on", "applied_on", "birth_date", "residence_until", "certificate_issued_on"
    ]  # fmt: skip


def test_batch_empty_input_and_header_only() -> None:
    code, out, err = batch("")
    assert code == 2
    assert out == ""
    assert err.startswith("error: no input: expected a CSV header line birth_date,")
    code, out, err = batch(HEADER + "\n")
    assert (code, out, err) == (0, f"{HEADER},{RESULT_HEADER}\n", "")


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("birth_date,applied_on,issued_on", "lacks the column(s) certificate_issued_on, "),
        (f"{HEADER},card_expires_on", "already has the column card_expires_on"),
        (f"{HEADER},birth_date", "already has the column birth_date"),
    ],
)
def test_batch_bad_header(header: str, words: str) -> None:
    code, out, err = batch(header + "\n1980-10-10,2020-04-01,2020-05-15,,\n")
    assert code == 2
    assert out == ""
    assert err.startswith("error: line 1: ")
    assert words in err
    assert "nothing was written" in err


@pytest.mark.parametrize(
    ("bad_row", "words"),
    [
        ("2023-02-29,2024-01-10,2024-02-01,,", "birth_date: 2023-02-29 is not a date"),
        ("1980-10-10,2024-01-10,20240201,,", "issued_on: expected a date as YYYY-MM-DD"),
        ("1980-10-10,2024-03-10,2024-02-01,,", "application date 2024-03-10 is after the issue"),
        ("1980-10-10,2024-01-10,2024-02-01,2024-01-01,", "before the card was issued"),
        ("1980-10-10,2024-01-10,2024-02-01,,2024-01-31", "period of stay ends on 2024-01-31"),
        ("1980-10-10,2024-01-10", "expected 5 fields as in the header, got 2"),
        ("1980-10-10,2024-01-10,2024-02-01,,,", "expected 5 fields as in the header, got 6"),
    ],
)
def test_batch_stops_at_a_bad_row_naming_its_line(bad_row: str, words: str) -> None:
    good = "1980-10-10,2020-04-01,2020-05-15,,"
    code, out, err = batch(f"{HEADER}\n{good}\n\n{good}\n{bad_row}\n{good}\n")
    assert code == 2
    assert (
        out.splitlines()
        == [f"{HEADER},{RESULT_HEADER}"]
        + [f"{good},2029-10-10,2024-10-10,2024-10-10,2029-07-10"] * 2
    )
    assert err.startswith("error: line 5: ")
    assert words in err
    assert "standard output has the header and the 2 row(s) before that line" in err


def test_batch_names_the_line_that_is_not_utf8() -> None:
    good = b"1980-10-10,2020-04-01,2020-05-15,,\n"
    stdin = HEADER.encode() + b"\n" + good + b"1980-10-10,\xff\n" + good
    result = runner.invoke(app, ["rules", "expiry", "--batch"], input=stdin)
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 2
    assert one_line(result.stderr).startswith("error: line 3: not UTF-8 text")


def test_batch_refuses_date_options() -> None:
    result = runner.invoke(
        app, ["rules", "expiry", "--batch", "--birth-date", "2000-01-01"], input=HEADER
    )
    assert result.exit_code == 2
    assert "--batch reads the dates from standard input, not --birth-date" in one_line(
        result.stderr
    )


def test_batch_through_the_installed_command() -> None:
    rows = "".join(f"19{y:02d}-0{m}-1{m},2021-0{m}-01,2021-0{m}-20,,\n" for y in range(100)
                   for m in range(1, 10))  # fmt: skip
    completed = subprocess.run(
        [console_script(), "rules", "expiry", "--batch"],
        input=f"{HEADER}\n{rows}",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    out = list(csv.DictReader(io.StringIO(completed.stdout)))
    assert len(out) == 900
    first = out[0]
    assert first["birth_date"] == "1900-01-11"
    assert first["card_expires_on"] == "2031-01-11"
    assert first["card_renewal_opens_on"] == "2030-10-11"


def test_batch_error_through_the_installed_command() -> None:
    completed = subprocess.run(
        [console_script(), "rules", "expiry", "--batch"],
        input=f"{HEADER}\n1980-10-10,2020-04-01,2020-05-15,,\n1980-10-10,2020-04-01,x,,\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stdout.count("\n") == 2  # the header and the good row, complete
    assert one_line(completed.stderr).startswith("error: line 3: issued_on: expected a date")
    assert "Traceback" not in completed.stderr


# --- relocation ---------------------------------------------------------------------------


def relocation(origin: str, destination: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["rules", "relocation", "--from", origin, "--to", destination])
    return result.exit_code, result.stdout, one_line(result.stderr)


@pytest.mark.parametrize(
    ("origin", "destination", "voids"),
    [
        ("011011", "011029", False),  # Sapporo Chuo-ku -> Kita-ku: one designated city
        ("141011", "141011", False),
        ("131016", "131024", True),  # Chiyoda -> Chuo: Tokyo's special wards
        ("141011", "141313", True),  # Yokohama Tsurumi-ku -> Kawasaki Kawasaki-ku
        ("011002", "131016", True),
        ("01100", "13101", True),  # 5 digits, as people type them
        ("01101", "011029", False),
    ],
)
def test_relocation(origin: str, destination: str, voids: bool) -> None:
    code, out, _ = relocation(origin, destination)
    assert code == 0
    value = json.loads(out)
    assert set(value) == {"voids_application", "reason"}
    assert value["voids_application"] is voids
    assert isinstance(value["reason"], str)
    assert value["reason"]


def test_relocation_unknown_code_exits_3() -> None:
    code, out, err = relocation("011002", "999997")
    assert (code, out) == (3, "")
    assert err == "error: no municipality has the code 999997"


@pytest.mark.parametrize(
    ("code6", "words"),
    [
        ("011003", "wrong check digit in local-government code 011003: expected 2"),
        ("0110", "a municipality code is 5 digits, or 6 with its check digit: '0110'"),
        ("01100a", "a municipality code is 5 digits, or 6 with its check digit"),
    ],
)
def test_relocation_bad_code_exits_2(code6: str, words: str) -> None:
    code, out, err = relocation("131016", code6)
    assert (code, out) == (2, "")
    assert words in err
