"""Types every area's answers share."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from mynumbercard.domain.certificate import CertKind

# A moment as the API has always written it: Python's isoformat ("+00:00", never "Z").
IsoDateTime = Annotated[
    datetime, PlainSerializer(lambda moment: moment.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization")]

Details = dict[str, Any]  # free details a step recorded (as stored in its history)


class Out(BaseModel):
    """An answer read from a service's result (a frozen dataclass) by attribute."""

    model_config = ConfigDict(from_attributes=True)


class CertificateIssued(Out):
    kind: CertKind
    serial: str
    not_after: IsoDateTime


class CertificateRef(Out):
    kind: CertKind
    serial: str
