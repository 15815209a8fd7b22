"""Senders: one interface, two backends (Brevo over sib-api-v3-sdk, and a directory).

A sender turns rendered messages into provider calls and returns provider message ids
in the order it was given the messages; on failure it raises a classified ProviderError.
It knows nothing about the outbox collection (the dispatcher does).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import sib_api_v3_sdk
from sib_api_v3_sdk.models.send_smtp_email_message_versions import SendSmtpEmailMessageVersions
from sib_api_v3_sdk.rest import ApiException

from domain.masking import mask_email, mask_mobile
from observability.logs import job_id_var, request_id_var
from workers.notifications.errors import ProviderError, classify_exception, classify_http_error

if TYPE_CHECKING:
    from collections.abc import Sequence

log = logging.getLogger(__name__)

DEFAULT_BREVO_HOST = "https://api.brevo.com/v3"
BREVO_MAX_BATCH = 1000  # Brevo accepts at most 1000 message versions per call


@dataclass(frozen=True)
class OutgoingEmail:
    message_id: str  # the outbox document's id
    to_email: str
    to_name: str | None
    subject: str
    html: str
    text: str
    template: str
    template_version: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingSms:
    message_id: str
    to_mobile: str
    text: str
    unicode: bool
    template: str
    template_version: str
    params: dict[str, Any] = field(default_factory=dict)


class Sender(Protocol):
    name: str
    max_email_batch: int

    def send_emails(self, emails: Sequence[OutgoingEmail], idempotency_key: str) -> list[str]:
        """Send all emails in one provider call; provider ids in the same order."""

    def send_sms(self, sms: OutgoingSms, idempotency_key: str) -> str:
        """Send one SMS; the provider's id."""


class _VersionWithContent(SendSmtpEmailMessageVersions):
    """A messageVersions entry with its own htmlContent (a Brevo API field since 2022 that
    the 7.6.0 SDK model lacks). Each recipient gets their own rendered, escaped HTML.
    """

    swagger_types: ClassVar[dict[str, str]] = {**SendSmtpEmailMessageVersions.swagger_types, "html_content": "str"}
    attribute_map: ClassVar[dict[str, str]] = {
        **SendSmtpEmailMessageVersions.attribute_map,
        "html_content": "htmlContent",
    }

    def __init__(self, html_content: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.html_content = html_content


class BrevoSender:
    """Brevo transactional email and SMS.

    A batch of several emails is ONE `send_transac_email` call with one messageVersion per
    recipient (own subject and HTML). Brevo's base textContent would be shared by every
    version, so a multi-recipient call carries no text part (Brevo derives one from the
    HTML); a single email is sent with its own text part. The batch's idempotency key goes
    in the `idempotencyKey` header, which Brevo de-duplicates for a while (30 minutes per
    its documentation), so re-posting the same batch with the same key is safe.
    """

    name = "brevo"

    def __init__(
        self,
        api_key: str,
        sender_email: str,
        sender_name: str,
        sms_sender: str,
        host: str = DEFAULT_BREVO_HOST,
        *,
        max_email_batch: int = BREVO_MAX_BATCH,
        timeout: tuple[float, float] = (5.0, 30.0),
        pool_size: int = 4,
    ) -> None:
        if not api_key:
            raise ValueError("a Brevo API key is required (use the outbox backend without one)")
        configuration = sib_api_v3_sdk.Configuration()
        # Configuration() copies a shared default: replace the dict, never mutate it.
        configuration.api_key = {"api-key": api_key}
        configuration.api_key_prefix = {}
        configuration.host = host.rstrip("/")
        configuration.connection_pool_maxsize = pool_size
        client = sib_api_v3_sdk.ApiClient(configuration)
        self._client = client
        self._context_lock = threading.Lock()
        self._emails = sib_api_v3_sdk.TransactionalEmailsApi(client)
        self._sms = sib_api_v3_sdk.TransactionalSMSApi(client)
        self._sender = sib_api_v3_sdk.SendSmtpEmailSender(name=sender_name, email=sender_email)
        self._sms_sender = sms_sender
        self._timeout = timeout
        self.max_email_batch = min(max_email_batch, BREVO_MAX_BATCH)

    def send_emails(self, emails: Sequence[OutgoingEmail], idempotency_key: str) -> list[str]:
        if not emails:
            return []
        if len(emails) > self.max_email_batch:
            raise ValueError(f"batch of {len(emails)} exceeds {self.max_email_batch}")
        payload = self._email_payload(emails, idempotency_key)
        response = self._call(self._emails.send_transac_email, payload)
        ids = list(response.message_ids or ([response.message_id] if response.message_id else []))
        if len(ids) != len(emails):
            # Accepted, but we cannot tell which id is whose: keep them all for the record.
            ids = [",".join(ids) or "unknown"] * len(emails)
        return ids

    def send_sms(
        self,
        sms: OutgoingSms,
        idempotency_key: str,  # noqa: ARG002 - Brevo's SMS API takes no idempotency key
    ) -> str:
        payload = sib_api_v3_sdk.SendTransacSms(
            sender=self._sms_sender,
            recipient=normalise_mobile(sms.to_mobile),
            content=sms.text,
            type="transactional",
            tag=sms.template,
            unicode_enabled=sms.unicode,
        )
        response = self._call(self._sms.send_transac_sms, payload)
        return str(response.message_id if response.message_id is not None else response.reference)

    def _email_payload(self, emails: Sequence[OutgoingEmail], key: str) -> sib_api_v3_sdk.SendSmtpEmail:
        first = emails[0]
        common = {
            "sender": self._sender,
            "subject": first.subject,
            "html_content": first.html,
            "headers": {"idempotencyKey": key},
            "tags": [first.template],
        }
        if len(emails) == 1:
            return sib_api_v3_sdk.SendSmtpEmail(to=[_to(first)], text_content=first.text, **common)
        versions = [
            _VersionWithContent(html_content=email.html, to=[_to(email)], subject=email.subject) for email in emails
        ]
        return sib_api_v3_sdk.SendSmtpEmail(message_versions=versions, **common)

    def _call(self, method: Any, payload: Any) -> Any:
        try:
            with self._context_lock:
                # The SDK takes no per-call headers: set them on the client for this call only.
                self._client.default_headers.update(_context_headers())
                try:
                    return method(payload, _request_timeout=self._timeout)
                finally:
                    for name in CONTEXT_HEADER_NAMES:
                        self._client.default_headers.pop(name, None)
        except ApiException as exc:
            if not exc.status:  # the SDK wraps SSL errors as status 0
                raise ProviderError("transport_error", str(exc.reason), retryable=True, outcome_unknown=True) from exc
            raise classify_http_error(exc.status, _headers(exc), exc.body) from exc
        except ProviderError:
            raise
        except Exception as exc:
            raise classify_exception(exc) from exc


class OutboxDirSender:
    """Development backend: each message becomes one JSON file under `directory`
    (keys to, channel, subject, text, html, template, params), named after the outbox id
    so a repeated send rewrites the same file instead of adding one.
    """

    name = "outbox"

    def __init__(self, directory: str | os.PathLike[str], *, max_email_batch: int = BREVO_MAX_BATCH) -> None:
        self.directory = Path(directory)
        self.max_email_batch = max_email_batch

    def send_emails(
        self,
        emails: Sequence[OutgoingEmail],
        idempotency_key: str,  # noqa: ARG002 - a repeat rewrites the same file, named after the message
    ) -> list[str]:
        ids = []
        for email in emails:
            record = {
                "to": email.to_email,
                "channel": "email",
                "subject": email.subject,
                "text": email.text,
                "html": email.html,
                "template": email.template,
                "params": email.params,
            }
            path = self._write(email.message_id, "email", record)
            log.info("outbox email %s to %s -> %s", email.template, mask_email(email.to_email), path.name)
            ids.append(f"outbox-{path.stem}")
        return ids

    def send_sms(
        self,
        sms: OutgoingSms,
        idempotency_key: str,  # noqa: ARG002 - a repeat rewrites the same file, named after the message
    ) -> str:
        record = {
            "to": sms.to_mobile,
            "channel": "sms",
            "subject": None,
            "text": sms.text,
            "html": None,
            "template": sms.template,
            "params": sms.params,
        }
        path = self._write(sms.message_id, "sms", record)
        log.info("outbox sms %s to %s -> %s", sms.template, mask_mobile(sms.to_mobile), path.name)
        return f"outbox-{path.stem}"

    def path_for(self, message_id: str, channel: str) -> Path:
        return self.directory / f"{channel}-{message_id}.json"

    def _write(self, message_id: str, channel: str, record: dict[str, Any]) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path_for(message_id, channel)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False, indent=2, default=str)
        Path(tmp).replace(path)  # readers never see a half-written file
        return path


def normalise_mobile(number: str) -> str:
    """Brevo wants the number with country code and digits only ("+91 98765-43210" -> "919876543210")."""
    return re.sub(r"\D", "", number)


CONTEXT_HEADER_NAMES = ("X-Request-ID", "X-Job-ID")


def _context_headers() -> dict[str, str]:
    """The request and job the call is made for, so Brevo's logs and ours can be matched."""
    values = (request_id_var.get(), job_id_var.get())
    return {name: value for name, value in zip(CONTEXT_HEADER_NAMES, values, strict=True) if value}


def _to(email: OutgoingEmail) -> sib_api_v3_sdk.SendSmtpEmailTo:
    return sib_api_v3_sdk.SendSmtpEmailTo(email=email.to_email, name=email.to_name or None)


def _headers(exc: ApiException) -> dict[str, str]:
    return {str(k).title(): str(v) for k, v in dict(exc.headers or {}).items()}
