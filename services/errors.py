"""Errors a use case raises; handlers turn each into a friendly message."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: something the person asked for cannot be done as asked."""


class PermissionDenied(ServiceError):
    """The person asking does not have the role this action needs."""


class NotFound(ServiceError):
    """The thing asked for does not exist (or is not the asker's to see)."""


class InvalidInput(ServiceError):
    """The input is malformed; the message says what is expected."""
