"""CRL publication: per issuing CA and shard, full or delta (RFC 5280 5.2.4)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol

from mynumbercard.domain.certificate import CertKind
from mynumbercard.services.pki_ports import CertificateAuthority, CrlSink, Revoked
from mynumbercard.services.ports import CrlNumbers, CrlState, Transaction

CRL_VALIDITY = timedelta(days=1)


class RevokedCertificates(Protocol):
    def revoked_in(self, kind: CertKind, shard: int, *, alive_at: datetime,
                   since: datetime | None) -> Iterable[Revoked]:
        """As `CertificateRepository.revoked_in`: one shard's entries, as a stream."""
        ...


class CrlUnit(Transaction, Protocol):
    """What a CRL's publication uses: the CRL numbers and the revoked certificates."""

    @property
    def crl_numbers(self) -> CrlNumbers: ...
    @property
    def certificates(self) -> RevokedCertificates: ...


def publish_crls(
    uow_factory: Callable[[], CrlUnit],
    ca: CertificateAuthority,
    sink: CrlSink,
    *,
    now: datetime,
    delta: bool = False,
    validity: timedelta = CRL_VALIDITY,
) -> list[str]:
    """Publish every shard's CRL; returns where each went.

    A full CRL lists every suspended or revoked certificate of its shard that has not
    expired; a delta lists those changed since the last full CRL (its base). Full and
    delta share one increasing CRL number per shard. A shard with no full CRL yet gets
    one even when a delta is asked for.
    """
    published: list[str] = []
    for kind in CertKind:
        for shard in range(ca.crl_shards):
            with uow_factory() as uow:
                state = uow.crl_numbers.get(kind, shard)
                number = (state.number if state else 0) + 1
                as_delta = delta and state is not None
                base = state if as_delta else None
                entries = uow.certificates.revoked_in(
                    kind, shard, alive_at=now - validity,  # RFC 5280 3.3: one CRL past expiry
                    since=base.base_this_update if base else None)
                der = ca.crl(kind=kind, shard=shard, entries=entries, number=number,
                             this_update=now, next_update=now + validity,
                             delta_base=base.base_number if base else None)
                if base is not None:
                    uow.crl_numbers.put(kind, shard, CrlState(number, base.base_number,
                                                              base.base_this_update))
                else:
                    uow.crl_numbers.put(kind, shard, CrlState(number, number, now))
                uow.commit()  # first: a number may be skipped, never used twice
            published.append(sink.publish(ca.crl_name(kind, shard, delta=as_delta), der))
    return published
