"""The CA's public side opens no key: a web server without the passphrase shows the
CA's certificates (the console's CA page), and still cannot sign with it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mynumbercard.adapters import ca_setup
from mynumbercard.adapters.pki.errors import CaNotInitialised
from mynumbercard.domain.certificate import CertKind


def _config(directory: Path, passphrase: str | None) -> ca_setup.CaConfig:
    return ca_setup.CaConfig(directory=directory, passphrase=passphrase,
                             base_url="http://ca.test", crl_shards=2)


def test_the_certificates_without_a_passphrase_but_no_signing(tmp_path: Path) -> None:
    ca_setup.initialise(_config(tmp_path, "a passphrase of the CA"),
                        now=datetime(2026, 11, 30, tzinfo=UTC))
    public = ca_setup.public_authority(_config(tmp_path, None))
    roles = [c.role for c in public.public_certificates()]
    assert roles == ["root", "sign", "sign-ocsp", "auth", "auth-ocsp"]
    assert public.crl_shards == 2
    with pytest.raises(ca_setup.NoPassphrase):
        public.ocsp_good(kind=CertKind.AUTH, serial=1,
                         this_update=datetime(2026, 11, 30, tzinfo=UTC),
                         next_update=datetime(2026, 12, 1, tzinfo=UTC))
    with pytest.raises(ca_setup.NoPassphrase):
        ca_setup.open_authority(_config(tmp_path, None))


def test_no_ca_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(CaNotInitialised):
        ca_setup.public_authority(_config(tmp_path, None))
