"""A lost card from the command line, seen by relying parties through OpenSSL: reported
lost (OCSP revoked, certificateHold; on the CRL), found (OCSP good; removeFromCRL in the
delta CRL), or not found (revoked, keyCompromise)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from mynumbercard.adapters.documents.validity import group_digits
from mynumbercard.cli.main import app
from mynumbercard.domain import application_id

from cli_checks import demo_card, ok, openssl_ocsp, runner

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None,
                                   reason="the openssl binary is not installed")


def _crl_text(paths: list[str], delta: bool) -> str:
    """Every published CRL of the kind, as OpenSSL prints it."""
    texts = []
    for path in paths:
        if path.endswith(".crl") and path.endswith("-delta.crl") == delta:
            texts.append(subprocess.run(["openssl", "crl", "-inform", "DER", "-in", path,
                                         "-noout", "-text"], capture_output=True, text=True,
                                        check=True).stdout)
    return "\n".join(texts)


def _entry(text: str, serial: str) -> str:
    """The CRL entry of `serial` (OpenSSL prints it upper-case, padded to whole octets)."""
    wanted = serial.upper().rjust(len(serial) + len(serial) % 2, "0")
    for block in text.split("Serial Number: ")[1:]:
        if block.split()[0] == wanted:
            return block
    return ""


@needs_openssl
def test_lost_then_found_holds_then_releases_both_certificates(
        env: dict[str, str], server: str, tmp_path: Path):
    card = tmp_path / "card.json"
    made = demo_card(card)
    ca = tmp_path / "ca"
    ok("ca", "export", str(ca))
    auth_pem = tmp_path / "auth.pem"
    auth_pem.write_text(ok("card", "cert", str(card), "--kind", "auth"))
    assert f"{auth_pem}: good" in openssl_ocsp(server, ca, "auth", "-cert", str(auth_pem))
    ok("crl", "publish")  # the base of the deltas to come

    lost = json.loads(ok("card", "report-loss", made["card_number"], "--via", "call-centre"))
    assert lost["card_status"] == "lost"
    assert lost["report"]["via"] == "call_centre"
    assert {c["status"] for c in lost["certificates"]} == {"suspended"}
    held = openssl_ocsp(server, ca, "auth", "-cert", str(auth_pem))
    assert "Response verify OK" in held
    assert f"{auth_pem}: revoked" in held
    assert "Reason: certificateHold" in held
    delta = _crl_text(ok("crl", "publish", "--delta").split(), delta=True)
    assert "Certificate Hold" in _entry(delta, made["auth_serial"])
    again = runner.invoke(app, ["card", "report-loss", made["card_number"], "--via", "counter"])
    assert again.exit_code == 4, again.output

    refused = runner.invoke(app, ["card", "found", made["card_number"], "--document",
                                  "health_insurance_card"])
    assert refused.exit_code == 2
    assert "group A" in refused.output
    back = json.loads(ok("card", "found", made["card_number"], "--document", "passport"))
    assert back["card_status"] == "active"
    assert back["report"]["status"] == "found"
    assert {c["status"] for c in back["certificates"]} == {"active"}
    good = openssl_ocsp(server, ca, "auth", "-cert", str(auth_pem))
    assert "Response verify OK" in good
    assert f"{auth_pem}: good" in good
    delta = _crl_text(ok("crl", "publish", "--delta").split(), delta=True)
    assert "Remove From CRL" in _entry(delta, made["auth_serial"])
    assert "Remove From CRL" in _entry(delta, made["sign_serial"])
    full = _crl_text(ok("crl", "publish").split(), delta=False)
    assert _entry(full, made["auth_serial"]) == ""  # off the CRL for good
    assert json.loads(ok("cert", "status", made["auth_serial"]))["status"] == "active"


@needs_openssl
def test_a_loss_not_found_is_revoked_for_good(env: dict[str, str], server: str,
                                              tmp_path: Path):
    card = tmp_path / "card.json"
    made = demo_card(card)
    ca = tmp_path / "ca"
    ok("ca", "export", str(ca))
    auth_pem = tmp_path / "auth.pem"
    auth_pem.write_text(ok("card", "cert", str(card), "--kind", "auth"))
    ok("card", "report-loss", made["card_number"], "--via", "counter")
    no_terminal = runner.invoke(app, ["card", "loss-confirm", made["card_number"]])
    assert no_terminal.exit_code == 2
    assert "--yes" in no_terminal.output
    confirmed = json.loads(ok("card", "loss-confirm", made["card_number"], "--yes"))
    assert confirmed["report"]["status"] == "confirmed"
    assert {(c["status"], c["reason"]) for c in confirmed["certificates"]} == {
        ("revoked", "keyCompromise")}
    revoked = openssl_ocsp(server, ca, "auth", "-cert", str(auth_pem))
    assert f"{auth_pem}: revoked" in revoked
    assert "Reason: keyCompromise" in revoked
    late = runner.invoke(app, ["card", "found", made["card_number"], "--document", "passport"])
    assert late.exit_code == 4
    assert "apply for a new card" in late.output

    # A new card is needed: the re-issue form, a new Application ID, mailed as a letter.
    form = confirmed["reissue_form"]
    assert application_id.is_valid(form["application_id"])
    assert form["application_url"].endswith(f"/apply?application_id={form['application_id']}")
    assert form["printed"] in confirmed["next"]
    assert "mail send" in form["letter"]
    (batch,) = ok("mail", "send", "--out", str(tmp_path / "mail")).split()
    pdf = Path(batch).read_bytes()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "個人番号カード交付申請書（再交付）" in text
    assert group_digits(form["application_id"]) in text
    document = pypdfium2.PdfDocument(pdf)
    try:
        codes = {code.text for page in document for code in zxingcpp.read_barcodes(
            page.render(scale=3.0).to_pil().convert("L"))}
    finally:
        document.close()
    assert form["application_url"] in codes


def test_loss_commands_refuse_bad_input_with_the_readme_statuses(env: dict[str, str],
                                                                 tmp_path: Path):
    made = demo_card(tmp_path / "card.json")
    assert runner.invoke(app, ["card", "report-loss", made["card_number"], "--via",
                               "pigeon"]).exit_code == 2
    assert runner.invoke(app, ["card", "report-loss", "NOSUCHCARD", "--via",
                               "counter"]).exit_code == 3
    assert runner.invoke(app, ["card", "found", made["card_number"], "--document",
                               "passport"]).exit_code == 4  # not reported lost
    assert runner.invoke(app, ["card", "found", made["card_number"], "--document",
                               "napkin"]).exit_code == 2
