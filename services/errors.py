"""Errors a use case raises; handlers turn each into a friendly message."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: something the person asked for cannot be done as asked."""


class PermissionDenied(ServiceError):
    """The person asking does not have the role this action needs."""


class NotFound(ServiceError):
    """The thing asked for does not exist (or is not the asker's to see). ``number``: the
    ticket number not found, when a use case names more than one (/merge A B)."""

    def __init__(self, *args: object, number: str | None = None) -> None:
        super().__init__(*args)
        self.number = number


class InvalidInput(ServiceError):
    """The input is malformed; the message says what is expected."""
