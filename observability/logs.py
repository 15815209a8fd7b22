"""JSON logs carrying the request id and job id of whatever is running."""

from __future__ import annotations

import contextvars
import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
job_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("job_id", default=None)

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)")
_PHONE = re.compile(r"(?<![\w:.-])\+?\d{8,13}(\d{2})(?![\w:.-])")
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
_TOKEN_PARAM = re.compile(r"(?i)(token=)[^&\s\"']+")


def mask_personal(text: str) -> str:
    """Emails -> a***@domain, long digit runs (phones) -> only the last two digits, JWTs and
    `token=` values in links -> removed.
    """
    text = _TOKEN_PARAM.sub(r"\1***", _JWT.sub("[jwt]", text))
    return _PHONE.sub(r"***\1", _EMAIL.sub(r"\1***@\2", text))


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.job_id = job_id_var.get()
        return True


class MaskingJsonFormatter(JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_personal(super().format(record))


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        MaskingJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(job_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
