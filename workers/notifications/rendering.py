"""Render the repository's Jinja2 templates into email (subject, HTML, text) and SMS text.

Each kind lives in `templates/<kind>/` as subject.txt, body.html, body.txt and sms.txt;
body.html extends the shared `_layout.html`. HTML is autoescaped, text parts are not.
A template's version is a hash of the files it is made of (the layout included), so
any edit is a new version without anyone having to remember to bump a number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape

from domain.notifications import ESSENTIAL_KINDS, KINDS
from workers.notifications.sms import SmsInfo, describe_sms

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ESSENTIAL_KINDS", "KINDS"]
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_PARTS = ("subject.txt", "body.html", "body.txt", "sms.txt")
_SHARED_FILES = ("_layout.html",)

# Params each template needs; the rest are optional (e.g. campus_name, product_name).
REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {
    "invitation": ("name", "invite_url", "expires_at"),
    "password_reset": ("name", "reset_url", "expires_minutes"),
    "test_assigned": ("name", "test_name", "window_start", "window_end", "test_url"),
    "test_reminder": ("name", "test_name", "window_end", "test_url"),
    "results_released": ("name", "test_name", "results_url"),
}


# Optional params every template may use, with their defaults.
OPTIONAL_PARAMS: dict[str, Any] = {"product_name": "AI-VERSANT", "campus_name": None}


class TemplateRenderError(ValueError):
    """A template is unknown or its params do not fit it (a permanent failure)."""


@dataclass(frozen=True)
class RenderedEmail:
    template: str
    version: str
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class RenderedSms:
    template: str
    version: str
    text: str
    info: SmsInfo


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


@cache
def template_version(kind: str) -> str:
    """A short content hash of every file the kind's templates are made of."""
    _check_kind(kind)
    digest = hashlib.sha256()
    for relative in (*_SHARED_FILES, *(f"{kind}/{part}" for part in _PARTS)):
        digest.update(relative.encode())
        digest.update((TEMPLATE_DIR / relative).read_bytes())
    return digest.hexdigest()[:12]


def render_email(kind: str, params: Mapping[str, Any]) -> RenderedEmail:
    _check_params(kind, params)
    return RenderedEmail(
        template=kind,
        version=template_version(kind),
        subject=" ".join(_render(f"{kind}/subject.txt", params).split()),
        html=_render(f"{kind}/body.html", params),
        text=_render(f"{kind}/body.txt", params),
    )


def render_sms(kind: str, params: Mapping[str, Any]) -> RenderedSms:
    _check_params(kind, params)
    text = _render(f"{kind}/sms.txt", params).strip()
    return RenderedSms(template=kind, version=template_version(kind), text=text, info=describe_sms(text))


def _render(path: str, params: Mapping[str, Any]) -> str:
    try:
        return _environment().get_template(path).render(**{**OPTIONAL_PARAMS, **params})
    except TemplateError as exc:
        raise TemplateRenderError(f"{path}: {exc}") from exc


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise TemplateRenderError(f"unknown template {kind!r}; expected one of {', '.join(KINDS)}")


def _check_params(kind: str, params: Mapping[str, Any]) -> None:
    _check_kind(kind)
    missing = [name for name in REQUIRED_PARAMS[kind] if params.get(name) in (None, "")]
    if missing:
        raise TemplateRenderError(f"{kind}: missing params {', '.join(missing)}")
