"""`mynumbercard number ...`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import Annotated

import typer

from mynumbercard.cli.output import plain
from mynumbercard.domain import individual_number
from mynumbercard.services import rules

app = typer.Typer(help="Individual Numbers: check digits and validity.", no_args_is_help=True)


def _numbers(arguments: Iterable[str]) -> Iterator[str]:
    """The arguments in order, ``-`` standing for the lines of standard input."""
    for argument in arguments:
        if argument == "-":
            # A byte that is not UTF-8 becomes U+FFFD: that number is then "non_digit".
            for line in typer.get_text_stream("stdin", errors="replace"):
                stripped = line.strip()
                if stripped:
                    yield stripped
        else:
            yield argument


@app.command("check")
def check(
    numbers: Annotated[
        list[str],
        typer.Argument(
            metavar="NUMBER...",
            help="Numbers to check; '-' reads them from standard input, one a line.",
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON array of {number, valid, reason}.")
    ] = False,
) -> None:
    """Check Individual Numbers: 12 digits with a valid check digit.

    Exit status 0 when every number is valid, 1 when any is not.
    """
    out = sys.stdout
    all_valid = True
    count = 0
    if as_json:
        out.write("[")
    for number in _numbers(numbers):
        result = individual_number.check(number)
        all_valid &= result.valid
        if as_json:
            item = plain(rules.number_validity_of(result))
            out.write(("," if count else "") + "\n  " + json.dumps(item, ensure_ascii=False))
        elif result.valid:
            out.write(f"{result.number}\tvalid\n")
        else:
            out.write(f"{result.number}\tinvalid\t{result.reason}\t{result.message}\n")
        count += 1
    if as_json:
        out.write("\n]\n" if count else "]\n")
    out.flush()
    if not all_valid:
        raise typer.Exit(1)
