"""Repository functions: take the caller's AsyncSession first, never commit."""

ROW_ID_MAX = 2**31 - 1
"""The largest row id: the tables' ids are ``Integer`` columns, 32-bit on PostgreSQL."""


def names_a_row(row_id: int) -> bool:
    """Whether ``row_id`` (from a button or a command: any 64-bit number) can be a row's id.
    One beyond the column's range names no row, and PostgreSQL's driver would refuse the
    whole statement rather than find nothing; SQLite would only find nothing."""
    return 0 < row_id <= ROW_ID_MAX
