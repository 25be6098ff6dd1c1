"""`mynumbercard municipality ...`."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from mynumbercard.adapters.municipalities import directory
from mynumbercard.cli.output import plain
from mynumbercard.services import rules

app = typer.Typer(help="Municipalities and designated-city wards.", no_args_is_help=True)


@app.command()
def show(
    code: str = typer.Argument(..., help="Municipality code: 5 digits, or 6 with the check "
                               "digit."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Name, kana, prefecture, and the designated city a ward belongs to."""
    entries = directory()
    entry = entries.get(code)
    city = entries.get(entry.designated_city_code) if entry.designated_city_code else None
    answer = rules.municipality(entry, city)
    if as_json:
        typer.echo(json.dumps(plain(answer), ensure_ascii=False))
        return
    table = Table(show_header=False)
    table.add_row("code", entry.code)
    table.add_row("name", entry.name)
    table.add_row("kana", entry.kana)
    table.add_row("prefecture", f"{entry.prefecture} ({entry.prefecture_kana})")
    table.add_row("designated city", f"{city.name} ({city.code})" if city else "-")
    if not entry.designated_city_code and (wards := entries.wards_of(entry.code)):
        table.add_row("wards", " ".join(w.name for w in wards))
    Console().print(table)
