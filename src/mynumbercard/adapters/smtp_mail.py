"""The outgoing mail server over SMTP (the standard library's `smtplib`).

One connection per batch of messages. A server that cannot be reached, drops the
connection or answers 4xx makes the messages not yet taken `RETRY`; a 5xx answer for a
message (its recipient refused, its data refused) makes it `REJECTED`. The password
never appears in an error: only the server's code and a short text are kept.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from mynumbercard.services.email_ports import Delivery, Outcome, QueuedEmail

PERMANENT = 500


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int = 25
    sender: str = "noreply@mynumbercard.invalid"
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    def __repr__(self) -> str:  # the password never in a log or a traceback
        return f"SmtpServer(host={self.host!r}, port={self.port}, starttls={self.starttls})"


def _message(server: SmtpServer, message: QueuedEmail) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = server.sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(datetime.now(UTC))
    # One id per queued message: a copy sent twice (at least once) reads as one.
    mail["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain="mynumbercard")
    mail.set_content(message.body, charset="utf-8")
    return mail


def _said(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) \
        else str(error.smtp_error)
    return f"{error.smtp_code} {text}"[:200]


class SmtpTransport:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def _connect(self) -> smtplib.SMTP:
        s = self.server
        client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            client.ehlo_or_helo_if_needed()
            if s.starttls:
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if s.username:
                client.login(s.username, s.password or "")
        except BaseException:
            client.close()
            raise
        return client

    def send(self, messages: Sequence[QueuedEmail]) -> Sequence[Outcome]:
        outcomes: list[Outcome] = []
        try:
            client = self._connect()
        except (OSError, smtplib.SMTPException) as error:
            return [Outcome(Delivery.RETRY, _reason(error))] * len(messages)
        try:
            for message in messages:
                outcome = self._one(client, message)
                outcomes.append(outcome)
                if outcome.delivery is Delivery.RETRY and outcome.error == "connection lost":
                    break
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
        lost = Outcome(Delivery.RETRY, "connection lost")
        return outcomes + [lost] * (len(messages) - len(outcomes))

    def _one(self, client: smtplib.SMTP, message: QueuedEmail) -> Outcome:
        try:
            refused = client.send_message(_message(self.server, message))
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            permanent = all(code >= PERMANENT for code in codes)
            said = "; ".join(f"{code} {text.decode(errors='replace')}"
                             for code, text in error.recipients.values())[:200]
            return Outcome(Delivery.REJECTED if permanent else Delivery.RETRY, said)
        except smtplib.SMTPSenderRefused as error:  # our own set-up: later, once fixed
            _reset(client)
            return Outcome(Delivery.RETRY, _said(error))
        except smtplib.SMTPResponseException as error:
            permanent = error.smtp_code >= PERMANENT
            if not permanent:
                _reset(client)
            return Outcome(Delivery.REJECTED if permanent else Delivery.RETRY, _said(error))
        except (OSError, smtplib.SMTPServerDisconnected):
            return Outcome(Delivery.RETRY, "connection lost")
        if refused:  # only some recipients refused: ours is the only one
            return Outcome(Delivery.REJECTED, str(refused)[:200])
        return Outcome(Delivery.SENT)


def _reset(client: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError, smtplib.SMTPException):
        client.rset()


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _said(error)
    return f"cannot reach the mail server: {type(error).__name__}"[:200]
