"""Keep the bot token and the webhook secret out of the logs.

At DEBUG, PTB logs every Bot API call with its parameters (setWebhook carries the webhook
secret) and the Bot API URL (which contains the token). A filter on the handlers masks them
in whatever reaches a log, from any library.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "***"


class HideSecrets(logging.Filter):
    """Replaces each secret in a record's message and traceback with ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def masked(self, text: str) -> str:
        """`text` with every secret replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.masked(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text, so the traceback is written masked.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.masked(record.exc_text)
        return True


def hide_secrets_in_logs(secrets: Iterable[str], handlers: Iterable[logging.Handler]) -> None:
    """Mask `secrets` in every record these handlers write."""
    hide = HideSecrets(secrets)
    for handler in handlers:
        handler.addFilter(hide)
