"""Which tables hold a user's rows, found from the models' metadata, never listed by hand.

A table is the user's when it has a foreign key to `users.id` (their `user_id`), or when it
hangs off such a table through a foreign key (a check-in's emotions, an application's
skills). Export and account deletion both walk this, so a table added later is exported and
deleted the day it lands; `tests/integration/test_own_your_data.py` checks every one has an
export decision (`export.EXPORTED` or `export.NOT_EXPORTED`).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, false, or_, select

from webapp.models import Base

USERS = "users"


def owner_column(table: Table):
    """The column naming the table's owner: its foreign key to users.id, if any."""
    for fk in table.foreign_keys:
        if fk.column.table.name == USERS and fk.column.name == "id":
            return fk.parent
    return None


def user_tables() -> list[Table]:
    """Every table holding rows of a user, `users` first and parents before children (the
    metadata's dependency order): an import can insert in this order and a deletion delete
    in the reverse one."""
    found: set[str] = {USERS}
    tables = Base.metadata.sorted_tables
    for table in tables:  # sorted: a parent is always seen before its children
        if table.name == USERS:
            continue
        if owner_column(table) is not None or any(
            fk.column.table.name in found for fk in table.foreign_keys
        ):
            found.add(table.name)
    return [table for table in tables if table.name in found]


def rows_of(table: Table, user_id: int) -> ColumnElement[bool]:
    """A WHERE clause picking the user's rows of `table`: by its owner column, or for a
    child table through every foreign key into the user's other tables."""
    if table.name == USERS:
        return table.c.id == user_id
    owner = owner_column(table)
    if owner is not None:
        return owner == user_id
    tests = [
        fk.parent.in_(select(fk.column).where(rows_of(fk.column.table, user_id)))
        for fk in table.foreign_keys
        if fk.column.table.name != table.name
    ]
    return or_(*tests) if tests else false()

