"""`mynumbercard photo check FILE... [--json]`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mynumbercard.cli import main, photo
from mynumbercard.generators import photos
from mynumbercard.generators.photo_evaluation import EvaluationSet, place, plain_wall

runner = CliRunner()
EVAL_SET = Path(__file__).parents[1] / "photo_eval"


def photo_app() -> typer.Typer:
    """The real `mynumbercard` once `photo` is registered there; until then, the same group."""
    registered = any(group.name == "photo" for group in main.app.registered_groups)
    if registered:
        return main.app
    app = typer.Typer(cls=main._DomainErrorsAsExitCodes)  # domain errors as exit statuses
    app.add_typer(photo.app, name="photo")
    return app


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("photos")
    evaluation_set = EvaluationSet(EVAL_SET)
    person = evaluation_set.persons()["biden"]
    portrait = evaluation_set.good(person, seed=1, size=(600, 800))
    off_centre = place(plain_wall((600, 800), 1), person, head=0.55, centre_x=0.72, crown_y=0.12)
    made = {
        "off_centre.jpg": photos.encode(off_centre),
        "good.jpg": photos.encode(portrait),
        "good.png": photos.encode(portrait, "PNG"),
        "dark.jpg": photos.encode(photos.darkened(portrait)),
        "blurred.jpg": photos.encode(photos.blurred(portrait)),
        "notes.txt": b"not a photo at all\n" * 2000,
    }
    for name, data in made.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in made}


def test_all_passing_photos_exit_0(files: dict[str, Path]) -> None:
    result = runner.invoke(
        photo_app(), ["photo", "check", str(files["good.jpg"]), str(files["good.png"])]
    )
    assert result.exit_code == 0, result.output
    assert f"{files['good.jpg']}: passes" in result.output
    assert f"{files['good.png']}: passes" in result.output


def test_any_failing_photo_exits_1_with_findings_in_both_languages(
    files: dict[str, Path],
) -> None:
    result = runner.invoke(
        photo_app(), ["photo", "check", str(files["good.jpg"]), str(files["dark.jpg"])]
    )
    assert result.exit_code == 1, result.output
    assert f"{files['dark.jpg']}: FAILS" in result.output
    assert "too_dark" in result.output
    assert "too dark" in result.output
    assert "暗すぎます" in result.output


def test_json_output_has_exactly_the_contract_keys(files: dict[str, Path]) -> None:
    names = ["good.jpg", "dark.jpg", "blurred.jpg", "notes.txt"]
    result = runner.invoke(
        photo_app(), ["photo", "check", "--json", *(str(files[n]) for n in names)]
    )
    assert result.exit_code == 1, result.output
    answer = json.loads(result.stdout)
    assert [entry["file"] for entry in answer] == [str(files[n]) for n in names]
    assert [entry["ok"] for entry in answer] == [True, False, False, False]
    for entry in answer:
        assert set(entry) == {"file", "ok", "defects"}
        for defect in entry["defects"]:
            # the contract's keys, plus the severity and each language on its own
            assert set(defect) == {
                "code", "value", "threshold", "message", "severity", "message_ja", "message_en",
            }  # fmt: skip
            assert defect["severity"] == "hard"
    assert answer[0]["defects"] == []
    dark = answer[1]["defects"][0]
    assert dark["code"] == "too_dark"
    assert isinstance(dark["value"], float)
    assert " / " in dark["message"]
    assert dark["message"].startswith("The photo is too dark")
    assert [d["code"] for d in answer[2]["defects"]] == ["blurred"]
    assert [d["code"] for d in answer[3]["defects"]] == ["format"]


def test_json_when_all_pass_exits_0(files: dict[str, Path]) -> None:
    result = runner.invoke(photo_app(), ["photo", "check", str(files["good.png"]), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"file": str(files["good.png"]), "ok": True, "defects": []}
    ]


def test_soft_defects_pass_with_a_warning_and_exit_0(files: dict[str, Path]) -> None:
    result = runner.invoke(photo_app(), ["photo", "check", str(files["off_centre.jpg"])])
    assert result.exit_code == 0, result.output
    assert "passes with warnings" in result.output
    assert "[soft] off_center" in result.output
    result = runner.invoke(photo_app(), ["photo", "check", "--json", str(files["off_centre.jpg"])])
    (entry,) = json.loads(result.stdout)
    assert entry["ok"] is True
    assert [(d["code"], d["severity"]) for d in entry["defects"]] == [("off_center", "soft")]
    assert entry["defects"][0]["message_ja"].startswith("顔が中央にありません")


def test_evaluate_prints_precision_and_recall_per_code() -> None:
    result = runner.invoke(photo_app(), ["photo", "evaluate", str(EVAL_SET), "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["cases"] >= 70
    by_code = {row["code"]: row for row in answer["codes"]}
    assert by_code["no_face"]["support"] >= 4
    assert 0.0 <= by_code["background"]["precision"] <= 1.0
    text = runner.invoke(photo_app(), ["photo", "evaluate", str(EVAL_SET)])
    assert text.exit_code == 0, text.output
    assert "precision" in text.output
    assert "multiple_faces" in text.output


def test_a_missing_file_is_a_usage_error(files: dict[str, Path], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jpg"
    result = runner.invoke(photo_app(), ["photo", "check", str(files["good.jpg"]), str(missing)])
    assert result.exit_code == 2
    assert f"no such file: {missing}" in " ".join(result.stderr.split())
    assert "passes" not in result.stdout  # nothing is checked before the arguments are


def test_no_file_is_a_usage_error() -> None:
    result = runner.invoke(photo_app(), ["photo", "check"])
    assert result.exit_code == 2


def test_a_huge_file_is_refused_on_its_size_without_being_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.jpg"
    with huge.open("wb") as out:  # sparse: costs no disk
        out.truncate(photo.READ_LIMIT_BYTES + 1)
    result = runner.invoke(photo_app(), ["photo", "check", "--json", str(huge)])
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)
    assert entry["defects"][0]["code"] == "file_size"
    assert entry["defects"][0]["value"] == photo.READ_LIMIT_BYTES + 1
