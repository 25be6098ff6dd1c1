"""`mynumbercard rules ...`."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from datetime import date
from typing import IO, Annotated, Any

import typer

from mynumbercard.adapters.municipalities import directory
from mynumbercard.cli.output import plain
from mynumbercard.domain.dates import parse_iso_date
from mynumbercard.domain.errors import DomainError, InvalidInput
from mynumbercard.domain.validity import expiry_summary
from mynumbercard.services import rules

app = typer.Typer(help="The statutory rules: expiry dates and relocation.", no_args_is_help=True)

INPUT_COLUMNS = (
    "birth_date",
    "applied_on",
    "issued_on",
    "certificate_issued_on",
    "residence_until",
)
RESULT_COLUMNS = (
    "card_expires_on",
    "signature_certificate_expires_on",
    "user_certificate_expires_on",
    "card_renewal_opens_on",
)


def _print_json(value: object) -> None:
    typer.echo(json.dumps(plain(value), ensure_ascii=False, indent=2))


def _optional_date(text: str | None, *, field: str) -> date | None:
    return None if text is None or text == "" else parse_iso_date(text, field=field)


def _date_option(help_text: str) -> Any:
    return typer.Option(metavar="YYYY-MM-DD", help=help_text, show_default=False)


def _required(value: str | None, option: str) -> str:
    if value is None:
        raise InvalidInput(f"missing option {option} (or use --batch)")
    return value


@app.command("expiry")
def expiry(
    *,
    birth_date: Annotated[str | None, _date_option("The holder's birth date.")] = None,
    applied_on: Annotated[str | None, _date_option("The day the application was received.")] = None,
    issued_on: Annotated[
        str | None, _date_option("The day the card was produced (not the pick-up day).")
    ] = None,
    certificate_issued_on: Annotated[
        str | None, _date_option("The certificates' issue date; default: the card's.")
    ] = None,
    residence_until: Annotated[
        str | None, _date_option("End of a foreign resident's limited period of stay.")
    ] = None,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="Read CSV on standard input (header: " + ", ".join(INPUT_COLUMNS) + "; "
            "the last two may be empty) and write it to standard output with "
            + ", ".join(RESULT_COLUMNS)
            + " added (empty for none).",
        ),
    ] = False,
) -> None:
    """Expiry of the card and its certificates, and the day renewal opens (JSON)."""
    if batch:
        options = {
            "--birth-date": birth_date,
            "--applied-on": applied_on,
            "--issued-on": issued_on,
            "--certificate-issued-on": certificate_issued_on,
            "--residence-until": residence_until,
        }
        given = [name for name, value in options.items() if value is not None]
        if given:
            raise InvalidInput(f"--batch reads the dates from standard input, not {given[0]}")
        _expiry_batch()
        return
    _print_json(rules.expiry(
        birth_date=parse_iso_date(_required(birth_date, "--birth-date"), field="--birth-date"),
        applied_on=parse_iso_date(_required(applied_on, "--applied-on"), field="--applied-on"),
        issued_on=parse_iso_date(_required(issued_on, "--issued-on"), field="--issued-on"),
        certificate_issued_on=_optional_date(
            certificate_issued_on, field="--certificate-issued-on"
        ),
        residence_until=_optional_date(residence_until, field="--residence-until"),
    ))


def _check_header(header: list[str] | None) -> None:
    if header is None:
        raise InvalidInput("no input: expected a CSV header line " + ",".join(INPUT_COLUMNS))
    missing = [name for name in INPUT_COLUMNS if name not in header]
    if missing:
        raise InvalidInput(f"the CSV header lacks the column(s) {', '.join(missing)}")
    for name in (*INPUT_COLUMNS, *RESULT_COLUMNS):
        if header.count(name) > (name in INPUT_COLUMNS):
            raise InvalidInput(f"the CSV header already has the column {name}")


class _NotUtf8(Exception):
    def __init__(self, line: int, error: UnicodeDecodeError) -> None:
        super().__init__(f"not UTF-8 text ({error.reason} at byte {error.start + 1} of the line)")
        self.line = line


def _text_lines(stream: IO[bytes]) -> Iterator[str]:
    """The lines of a byte stream as text, a UTF-8 BOM dropped; each line is decoded on its
    own so that a bad byte is reported with its line number."""
    for number, raw in enumerate(stream, start=1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise _NotUtf8(number, error) from None


def _expiry_batch() -> None:
    """Stream CSV from standard input to standard output, one row at a time.

    On a bad row, stop: what was written (the header and every row before the bad one,
    each complete) stays written, and the error names the line.
    """
    out = sys.stdout
    reader = csv.reader(_text_lines(typer.get_binary_stream("stdin")))
    written = -1  # rows written, the header not counted; -1 until the header is out
    try:
        header = next(reader, None)
        _check_header(header)
        assert header is not None  # noqa: S101 - _check_header refused None; this tells mypy
        birth_i, applied_i, issued_i, cert_i, residence_i = map(header.index, INPUT_COLUMNS)
        width = len(header)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*header, *RESULT_COLUMNS])
        written = 0
        for row in reader:
            if not row:
                continue  # a blank line
            if len(row) != width:
                raise InvalidInput(f"expected {width} fields as in the header, got {len(row)}")
            summary = expiry_summary(
                birth_date=parse_iso_date(row[birth_i], field="birth_date"),
                applied_on=parse_iso_date(row[applied_i], field="applied_on"),
                issued_on=parse_iso_date(row[issued_i], field="issued_on"),
                certificate_issued_on=_optional_date(row[cert_i], field="certificate_issued_on"),
                residence_until=_optional_date(row[residence_i], field="residence_until"),
            )
            signature = summary.signature_certificate_expires_on
            writer.writerow(
                [
                    *row,
                    summary.card_expires_on.isoformat(),
                    "" if signature is None else signature.isoformat(),
                    summary.user_certificate_expires_on.isoformat(),
                    summary.card_renewal_opens_on.isoformat(),
                ]
            )
            written += 1
    except (DomainError, csv.Error, _NotUtf8) as error:
        out.flush()
        if isinstance(error, DomainError):
            line, message = reader.line_num, error.message
        elif isinstance(error, _NotUtf8):
            line, message = error.line, str(error)
        else:
            line, message = reader.line_num, f"unreadable CSV: {error}"
        done = (
            "nothing was written"
            if written < 0
            else f"standard output has the header and the {written} row(s) before that line"
        )
        where = f"line {line}: " if line else ""
        raise InvalidInput(f"{where}{message}. Stopped there: {done}.") from None
    out.flush()


@app.command("relocation")
def relocation(
    origin: Annotated[
        str, typer.Option("--from", metavar="CODE",
                          help="Municipality code: 5 digits, or 6 with the check digit.")
    ],
    destination: Annotated[
        str, typer.Option("--to", metavar="CODE",
                          help="Municipality code: 5 digits, or 6 with the check digit.")
    ],
) -> None:
    """Does moving before pick-up void the card application?"""
    municipalities = directory()
    _print_json(rules.relocation(municipalities.get(origin), municipalities.get(destination)))
