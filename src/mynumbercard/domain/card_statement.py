"""What the holder's card signs for, in words (docs/services.md "What the card signs"):
the service states, with each challenge, the purpose and a short statement of what the
signature will do (Japanese and English); the card program shows it before the PIN and
the card signs it with the challenge, so a signature made for one statement serves no
other (the device-code risk of the points page: docs/security.md).

The signed bytes: ``mynumbercard/<purpose>/v2 \\0 challenge \\0 ja \\n en`` (UTF-8)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.kiosk import KioskDocument

MAX_STATEMENT = 600  # characters of each language: a terminal's few lines


class SignPurpose(StrEnum):
    POINTS_ENROL = "points-enrol"  # choose the payment service, for good
    POINTS_BALANCE = "points-balance"  # the holder's program reads the points
    POINTS_SIGN_IN = "points-sign-in"  # a points page, on the device showing a code
    KIOSK_DOCUMENT = "kiosk-document"  # a certificate printed at a convenience-store kiosk


class Declined(InvalidInput):
    """The holder did not confirm the statement: nothing was signed."""

    code = "declined"

    def __init__(self) -> None:
        super().__init__("Not signed: you did not confirm. / 署名しませんでした。")


@dataclass(frozen=True, slots=True)
class Statement:
    purpose: SignPurpose
    ja: str
    en: str

    def __post_init__(self) -> None:
        for text in (self.ja, self.en):
            if not text or len(text) > MAX_STATEMENT or not text.isprintable():
                raise InvalidInput("a statement is 1 to 600 printable characters a language")

    @property
    def text(self) -> str:
        return f"{self.ja}\n{self.en}"

    def signed_message(self, challenge: bytes) -> bytes:
        """What the card signs: the purpose, the challenge, the statement."""
        return (f"mynumbercard/{self.purpose.value}/v2".encode() + b"\0" + challenge + b"\0"
                + self.text.encode())


def sign_in_statement(code: str, *, minutes: int) -> Statement:
    return Statement(
        SignPurpose.POINTS_SIGN_IN,
        f"マイナポイントのページにサインインします。コード {code} を表示した端末が、"
        f"{minutes}分間、あなたのポイントと選んだ決済サービスを見られるようになります。"
        "このコードがあなた自身の画面に表示されたものでなければ、署名しないでください。",
        f"Sign in to the My Number Points page on the device that showed code {code}: "
        f"for {minutes} minutes it will see your points and your chosen payment service. "
        "Do not sign unless that code is on your own screen.")


def enrol_statement(service_name: str, service_key: str) -> Statement:
    return Statement(
        SignPurpose.POINTS_ENROL,
        f"マイナポイントの決済サービスとして「{service_name}」（{service_key}）を選びます。"
        "選べるのは一人一回で、後から変えられません。",
        f"Choose {service_name} ({service_key}) as your payment service for My Number "
        "Points. It is one choice per person and cannot be changed later.")


def balance_statement() -> Statement:
    return Statement(
        SignPurpose.POINTS_BALANCE,
        "マイナポイントの申込み状況と付与されたポイントを、このプログラムに表示します。",
        "Show your My Number Points enrolment and the points granted, in this program.")


_TITLE_EN = {KioskDocument.RESIDENCE_CERTIFICATE: "certificate of residence",
             KioskDocument.REGISTER_ITEMS: "certificate of items on the register"}


def kiosk_statement(document: KioskDocument, *, with_household: bool, with_domicile: bool,
                    kiosk: str) -> Statement:
    """What the kiosk's card signature does: the document and its options, printed at
    this operator's kiosk. The card is not read before its PIN, so the issuing
    municipality and its fee are named as the holder's, not by name (docs/services.md)."""
    shop = "".join(c for c in kiosk if c.isprintable())[:100] or "?"
    ja = "・".join(part for part, wanted in (("世帯全員", with_household),
                                              ("本籍", with_domicile)) if wanted)
    en = " and ".join(part for part, wanted in (("the household's members", with_household),
                                                ("the domicile", with_domicile)) if wanted)
    return Statement(
        SignPurpose.KIOSK_DOCUMENT,
        f"{document.title_ja}{f'（{ja}の記載あり）' if ja else ''}を1通請求します。"
        "住民登録のある市区町村が発行し、その市区町村の手数料がかかります。"
        f"「{shop}」のこの端末で印刷されます。",
        f"Request one {_TITLE_EN[document]}{f' showing {en}' if en else ''}, issued by the "
        "municipality where you are registered, at the fee it sets. It will be printed at "
        f"this {shop} kiosk.")
