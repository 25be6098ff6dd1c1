"""`mynumbercard kiosk issue` end to end: a kiosk operator registered by the
administrator, a municipality's offer, a demo card, the PIN typed, the signed PDF
checked by pyHanko's validator and poppler's pdfsig; and each refusal as the kiosk
shows it (exit 1, `refused` and `message`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from mynumbercard import bootstrap
from mynumbercard.cli.main import app

from cli_checks import demo_card, ok

DAY = "2026-11-30T10:00:00+09:00"  # a Monday morning: kiosks serve
runner = CliRunner()


@pytest.fixture
def kiosk(env: dict[str, str], tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A demo card, its municipality offering the residence certificate for ¥200, and a
    kiosk operator's credential."""
    monkeypatch.setenv("MYNUMBERCARD_ALLOW_SET_CLOCK", "1")  # PostgreSQL: a test
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", DAY)
    card = demo_card(tmp_path / "card.mnc")
    with bootstrap.container() as wired, wired.uow() as uow:
        found = uow.cards.find_by_number(card["card_number"])
        assert found is not None
        municipality = uow.residents.get(found.resident_id).municipality_code
    ok("kiosk", "offer", municipality, "--document", "residence-certificate", "--fee", "200")
    added = json.loads(ok("relying-party", "add", "Seven Kiosk Co.", "--kind",
                          "kiosk-operator", "--out", str(tmp_path / "operator.json")))
    assert added["key_id"].startswith("rp_")
    assert (tmp_path / "operator.json").stat().st_mode & 0o077 == 0
    return {"card": str(tmp_path / "card.mnc"), "credential": str(tmp_path / "operator.json"),
            "municipality": municipality, "card_number": card["card_number"]}


def _issue(kiosk: dict[str, str], out: Path, *extra: str, pin: str = "1234",
           document: str = "residence-certificate") -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["kiosk", "issue", "--card", kiosk["card"], "--document",
                                 document, "--pin-stdin", "--out", str(out),
                                 "--credential", kiosk["credential"], *extra],
                           input=pin + "\n")
    return result.exit_code, json.loads(result.stdout)


def test_a_document_is_issued_signed_verifiable_and_charged(
        kiosk: dict[str, str], tmp_path: Path) -> None:
    pdf = tmp_path / "residence.pdf"
    status, answer = _issue(kiosk, pdf, "--with-household")
    assert status == 0, answer
    assert answer["municipality"] == kiosk["municipality"]
    assert answer["fee"] == 200
    code = str(answer["verification_code"])
    assert pdf.read_bytes().startswith(b"%PDF")
    text = PdfReader(pdf).pages[0].extract_text()
    assert "住民票の写し" in text
    assert code in text
    assert "世帯員" in text  # --with-household: the holder at least

    exported = tmp_path / "exported"
    assert "documents-root.pem" in ok("ca", "export", str(exported))
    validator = str(Path(sys.executable).with_name("pyhanko"))  # pyhanko-cli (dev extra)
    checked = subprocess.run(
        [validator, "sign", "validate", "--trust-replace", "--trust",
         str(exported / "documents-root.pem"), str(pdf)],
        capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "INTACT:TRUSTED,UNTOUCHED" in checked.stdout
    # ... and a root other than the documents' does not make it trusted
    other = subprocess.run([validator, "sign", "validate", "--trust-replace",
                            "--trust", str(exported / "root.pem"), str(pdf)],
                           capture_output=True, text=True, check=False)
    assert "UNTRUSTED" in other.stdout
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig is missing: apt-get install poppler-utils")
    poppler = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True,
                             check=False)
    assert "Signature Validation: Signature is Valid." in poppler.stdout
    assert "Total document signed" in poppler.stdout

    verified = json.loads(ok("kiosk", "verify", code.lower().replace("-", "")))
    assert verified["document"] == "residence-certificate"
    assert verified["municipality"] == kiosk["municipality"]
    assert verified["issued_on"] == "2026-11-30"
    assert "name" not in verified  # nothing of the person
    console = json.loads(ok("kiosk", "console", "--from", "2026-11-01", "--to",
                            "2026-11-30"))
    assert [(t["municipality_code"], t["documents"], t["fees"]) for t in console["totals"]] \
        == [(kiosk["municipality"], 1, 200)]


def test_a_wrong_pin_is_counted_by_the_card_and_shown_in_the_console(
        kiosk: dict[str, str], tmp_path: Path) -> None:
    status, answer = _issue(kiosk, tmp_path / "x.pdf", pin="9999")
    assert status == 1
    assert answer == {"refused": "pin_wrong", "message": "The PIN is wrong: 2 tries left."}
    assert _issue(kiosk, tmp_path / "x.pdf", pin="9999")[1]["message"] == \
        "The PIN is wrong: 1 try left."
    status, answer = _issue(kiosk, tmp_path / "x.pdf", pin="9999")
    assert (status, answer["refused"]) == (1, "pin_locked")
    status, answer = _issue(kiosk, tmp_path / "x.pdf", pin="1234")  # right, but locked
    assert (status, answer["refused"]) == (1, "pin_locked")
    assert "municipal office" in str(answer["message"])
    assert not (tmp_path / "x.pdf").exists()
    console = json.loads(ok("kiosk", "console", "--from", "2026-11-30", "--to",
                            "2026-11-30"))
    assert [f["tries_left"] for f in console["pin_failures"]] == [2, 1, 0, 0]
    assert console["totals"] == []  # nothing charged


def test_the_domicile_where_the_municipality_allows_it(kiosk: dict[str, str],
                                                       tmp_path: Path) -> None:
    ok("kiosk", "offer", kiosk["municipality"], "--document", "residence-certificate",
       "--fee", "300", "--domicile")
    pdf = tmp_path / "with-domicile.pdf"
    status, answer = _issue(kiosk, pdf, "--with-domicile")
    assert (status, answer["fee"]) == (0, 300)
    assert "本籍" in PdfReader(pdf).pages[0].extract_text()


def test_refusals_each_with_their_reason(kiosk: dict[str, str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "x.pdf"
    assert _issue(kiosk, out, document="register-items")[1]["refused"] == "not_offered"
    assert _issue(kiosk, out, "--with-domicile")[1]["refused"] == "not_offered"
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-11-30T23:00:00+09:00")
    assert _issue(kiosk, out)[1]["refused"] == "outside_hours"
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-12-31T12:00:00+09:00")
    assert _issue(kiosk, out)[1]["refused"] == "outside_hours"
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", DAY)
    ok("kiosk", "maintenance", "--from", "2026-11-30T09:30:00+09:00", "--to",
       "2026-11-30T11:00:00+09:00", "--note", "database upgrade")
    assert _issue(kiosk, out)[1]["refused"] == "maintenance"
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2036-11-30T10:00:00+09:00")
    assert _issue(kiosk, out)[1]["refused"] == "certificate_expired"
    assert not out.exists()


def test_the_kiosk_without_a_credential_or_with_a_forged_one_gets_nothing(
        kiosk: dict[str, str], tmp_path: Path) -> None:
    result = runner.invoke(app, ["kiosk", "issue", "--card", kiosk["card"], "--document",
                                 "residence-certificate", "--pin-stdin", "--out",
                                 str(tmp_path / "x.pdf")], input="1234\n")
    assert result.exit_code == 2
    assert "--credential" in result.output
    forged = json.loads(Path(kiosk["credential"]).read_text())
    forged["secret"] = "00" * 32
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    result = runner.invoke(app, ["kiosk", "issue", "--card", kiosk["card"], "--document",
                                 "residence-certificate", "--pin-stdin", "--out",
                                 str(tmp_path / "x.pdf"), "--credential",
                                 str(tmp_path / "forged.json")], input="1234\n")
    assert result.exit_code == 5
    assert "not signed by a registered party" in result.output


def test_the_kiosk_over_http_with_its_signed_key(kiosk: dict[str, str], server: str,
                                                 tmp_path: Path) -> None:
    pdf = tmp_path / "over-http.pdf"
    status, answer = _issue(kiosk, pdf, "--url", server)
    assert status == 0, answer
    assert answer["fee"] == 200
    assert pdf.read_bytes().startswith(b"%PDF")
    status, answer = _issue(kiosk, pdf, "--url", server, pin="0000")
    assert answer == {"refused": "pin_wrong", "message": "The PIN is wrong: 2 tries left."}
    status, answer = _issue(kiosk, pdf, "--url", server, document="register-items")
    assert (status, answer["refused"]) == (1, "not_offered")


def test_the_kiosk_shows_what_the_card_signs_before_the_pin(kiosk: dict[str, str],
                                                            tmp_path: Path) -> None:
    out = tmp_path / "shown.pdf"
    args = ["kiosk", "issue", "--card", kiosk["card"], "--document", "residence-certificate",
            "--with-household", "--pin-stdin", "--out", str(out), "--credential",
            kiosk["credential"]]
    # no PIN typed: the statement was shown first, then nothing signed nor charged
    unsigned = runner.invoke(app, args, input="")
    assert unsigned.exit_code != 0
    assert "住民票の写し（世帯全員の記載あり）を1通請求します" in unsigned.stderr
    assert "certificate of residence showing the household's members" in unsigned.stderr
    assert "printed at this Seven Kiosk Co. kiosk" in unsigned.stderr
    assert unsigned.stderr.index("kiosk-document") < unsigned.stderr.index(
        "standard input ended before the PIN")
    signed = runner.invoke(app, args, input="1234\n")
    assert signed.exit_code == 0, signed.output
    assert "「Seven Kiosk Co.」のこの端末で印刷されます" in signed.stderr
    assert set(json.loads(signed.stdout)) == {"verification_code", "municipality", "fee"}
    console = json.loads(ok("kiosk", "console", "--from", "2026-11-30", "--to",
                            "2026-11-30"))
    assert [t["documents"] for t in console["totals"]] == [1]  # the signed one only


def test_the_expired_challenges_are_pruned_by_the_job(kiosk: dict[str, str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    status, _ = _issue(kiosk, tmp_path / "x.pdf")  # its challenge spent, expiring at 10:03
    assert status == 0
    assert json.loads(ok("jobs", "prune-challenges")) == {"pruned": 0}  # still live
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-11-30T10:04:00+09:00")
    assert json.loads(ok("jobs", "prune-challenges")) == {"pruned": 1}
    assert json.loads(ok("jobs", "prune-challenges")) == {"pruned": 0}
