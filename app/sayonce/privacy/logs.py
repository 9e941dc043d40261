"""A logging filter that redacts PII from every record before any handler writes it."""

from __future__ import annotations

import logging

from sayonce.privacy.redact import redact


class RedactingFilter(logging.Filter):
    """Replace a record's message (arguments merged in) and traceback with redacted text."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops a record."""
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when set, so the traceback is redacted once, here.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_redacting_filter(logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach one filter to every handler of ``logger`` (default: the root logger).

    Handler filters see records from every child logger; logger filters would not.
    """
    target = logger or logging.getLogger()
    existing = _find(target)
    shared = existing or RedactingFilter()
    for handler in target.handlers:
        if shared not in handler.filters:
            handler.addFilter(shared)
    return shared


def _find(logger: logging.Logger) -> RedactingFilter | None:
    for handler in logger.handlers:
        for item in handler.filters:
            if isinstance(item, RedactingFilter):
                return item
    return None
