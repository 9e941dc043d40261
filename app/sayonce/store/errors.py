"""Errors the store raises, each with a message that says what to do."""

from __future__ import annotations


class StoreError(Exception):
    """A database problem a person can act on; ``str()`` is the message to show."""


class DatabaseURLError(StoreError):
    """The database URL cannot be understood or its driver is not installed."""


class DataDirError(StoreError):
    """The folder for the embedded database cannot be created or written."""


class NewerDatabaseError(StoreError):
    """The database was created by a newer SayOnce than this one."""


class MigrationError(StoreError):
    """Upgrading the schema failed; the database was left as it was."""


class ConcurrentEditError(StoreError):
    """Someone else changed the record since it was read (optimistic version check)."""
