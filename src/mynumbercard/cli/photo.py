"""`mynumbercard photo check FILE... [--json]`: the ID-photo check of issue 6."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mynumbercard.cli.output import dumps
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.photo import MAX_FILE_BYTES

# The checks (numpy, Pillow, the face model) are imported by the commands that run them:
# every other command of the CLI starts without them.
if TYPE_CHECKING:
    from mynumbercard.adapters.photo import Defect, PhotoReport

app = typer.Typer(help="The ID photo: check it as the application would.", no_args_is_help=True)

# A file this far over the 7 MB limit is not read at all: its size is the whole finding.
READ_LIMIT_BYTES = 8 * MAX_FILE_BYTES


def _report_for(path: Path) -> PhotoReport:
    from mynumbercard.adapters.photo import PhotoReport, check_photo  # noqa: PLC0415
    from mynumbercard.adapters.photo.checks import file_size_defect  # noqa: PLC0415
    size = path.stat().st_size
    if size > READ_LIMIT_BYTES:
        defect = file_size_defect(size)
        assert defect is not None  # noqa: S101 - size is over the limit
        return PhotoReport.of([defect])
    return check_photo(path.read_bytes())


def _defect_json(defect: Defect) -> dict[str, object]:
    return {
        "code": defect.code,
        "value": defect.value,
        "threshold": defect.threshold,
        "message": defect.message,
        "severity": defect.severity,  # hard: cannot be submitted; soft: a warning
        "message_ja": defect.message_ja,
        "message_en": defect.message_en,
    }


@app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="JPEG or PNG photos.", show_default=False)],
    as_json: Annotated[
        bool, typer.Option("--json", help="A JSON array: file, ok, defects.")
    ] = False,
) -> None:
    """Check each photo: passes or fails, and why. Exit 1 when any fails.

    A photo fails on a hard defect; with soft defects only it passes with warnings.
    """
    for path in files:
        if not path.is_file():
            raise InvalidInput(f"no such file: {path}")
    results = [(path, _report_for(path)) for path in files]
    if as_json:
        typer.echo(
            dumps(
                [
                    {
                        "file": str(path),
                        "ok": report.ok,
                        "defects": [_defect_json(d) for d in report.defects],
                    }
                    for path, report in results
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for path, report in results:
            verdict = "passes" if report.ok else "FAILS"
            if report.ok and report.defects:
                verdict = "passes with warnings"
            typer.echo(f"{path}: {verdict}")
            for d in report.defects:
                value = "-" if d.value is None else d.value
                typer.echo(f"  [{d.severity}] {d.code}: {value} (threshold {d.threshold})")
                typer.echo(f"      {d.message_en}")
                typer.echo(f"      {d.message_ja}")
    if not all(report.ok for _, report in results):
        raise typer.Exit(1)


@app.command("evaluate")
def evaluate_command(
    directory: Annotated[
        Path, typer.Argument(help="The evaluation set (manifest.json and sources/).")
    ] = Path("tests/photo_eval"),
    as_json: Annotated[bool, typer.Option("--json", help="Scores and errors as JSON.")] = False,
) -> None:
    """Precision and recall of each defect code on the evaluation set (docs/photo.md)."""
    if not (directory / "manifest.json").is_file():
        raise InvalidInput(f"no evaluation set (manifest.json) in {directory}")
    from mynumbercard.generators.photo_evaluation import evaluate  # noqa: PLC0415
    outcomes, scores = evaluate(directory)
    wrong = [(o.case.name, *o.errors) for o in outcomes if any(o.errors)]
    if as_json:
        rows = [
            {
                "code": s.code,
                "precision": round(s.precision, 3),
                "recall": round(s.recall, 3),
                "support": s.support,
                "true_positives": s.true_positives,
                "false_positives": s.false_positives,
                "false_negatives": s.false_negatives,
            }
            for s in scores
        ]
        errors = [
            {"case": name, "missed": sorted(missed), "spurious": sorted(spurious)}
            for name, missed, spurious in wrong
        ]
        payload = {"cases": len(outcomes), "codes": rows, "errors": errors}
        typer.echo(dumps(payload, indent=2))
        return
    typer.echo(f"{len(outcomes)} cases from {directory}")
    typer.echo(f"{'code':<16}{'precision':>10}{'recall':>8}{'support':>9}{'FP':>5}{'FN':>5}")
    for s in scores:
        typer.echo(
            f"{s.code:<16}{s.precision:>10.2f}{s.recall:>8.2f}{s.support:>9}"
            f"{s.false_positives:>5}{s.false_negatives:>5}"
        )
    for name, missed, spurious in wrong:
        typer.echo(f"  {name}: missed {sorted(missed)}, spurious {sorted(spurious)}")


@app.command("sample")
def sample(out: Path = typer.Argument(..., help="Where to write the JPEG.")) -> None:
    """Write the sample ID photo (a synthetic portrait that passes the check), for demos
    and the walkthrough (docs/walkthrough.md)."""
    from mynumbercard.generators.sample_portrait import sample_portrait  # noqa: PLC0415
    out.write_bytes(sample_portrait())
    typer.echo(str(out))
