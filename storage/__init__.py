"""Storage: SQLAlchemy models, the Database handle, repositories and Alembic migrations.

Services open ``async with db.transaction() as session`` once per use case and pass the
session to functions in ``storage.repositories``; repositories never commit.
"""

from storage.db import Database
from storage.migrate import PendingMigrationsError, UnknownRevisionError
from storage.models import Role

__all__ = ["Database", "PendingMigrationsError", "Role", "UnknownRevisionError"]
