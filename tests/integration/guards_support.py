"""Helpers for the route guards in test_route_guards.py: rules read from the URL map,
database snapshots that explain what changed, a SQL statement counter, and sample data."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from werkzeug.routing import Rule

from tests.factories import (  # noqa: F401 - used by the guards
    CANARY,
    make_application,
    make_checkin,
    make_habit,
    make_reflection,
    seed_a_month,
)
from webapp.auth.sessions import SEEN_KEY
from webapp.extensions import db
from webapp.models import User

# HEAD and OPTIONS are answered by Flask itself from GET and the rule's methods.
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


# --- Rules ----------------------------------------------------------------------------------


def rules_of(app: Flask) -> list[Rule]:
    """Every rule of the app, in a stable order (by path, then endpoint)."""
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def methods_of(rule: Rule) -> list[str]:
    """The methods a view answers itself, GET first."""
    return sorted(rule.methods - IMPLICIT_METHODS, key=lambda m: (m != "GET", m))


def write_methods_of(rule: Rule) -> list[str]:
    return [m for m in methods_of(rule) if m not in SAFE_METHODS]


def rule_id(rule: Rule, method: str | None = None) -> str:
    """A test id that reads like the route: "checkins.edit:POST"."""
    return f"{rule.endpoint}:{method}" if method else rule.endpoint


def build_url(app: Flask, rule: Rule, values: dict, method: str) -> str:
    """The path of `rule` with these argument values (what the browser would request)."""
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=method)


# --- Database snapshots ---------------------------------------------------------------------

Row = tuple[tuple[str, object], ...]
Snapshot = dict[str, list[Row]]


def _rows(table, where=None) -> list[Row]:
    query = select(table).order_by(*table.primary_key.columns)
    if where is not None:
        query = query.where(where)
    return [tuple(row._mapping.items()) for row in db.session.execute(query)]


def snapshot(app: Flask) -> Snapshot:
    """Every row of every table, keyed by table name. Comparing two snapshots catches any
    write at all: an insert, a delete, or one changed column."""
    with app.app_context():
        return {table.name: _rows(table) for table in db.metadata.sorted_tables}


def owned_snapshot(app: Flask, user_id: int) -> Snapshot:
    """Every row that belongs to the user: their `users` row, rows with their `user_id`,
    and, transitively, rows whose foreign key points at one of those (e.g. a check-in's
    emotions). Works out ownership from the schema, so new tables are included without
    anyone listing them."""
    users = User.__table__
    owned_keys: dict[str, set] = {}
    result: Snapshot = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table is users:
                where = table.c.id == user_id
            elif "user_id" in table.c:
                where = table.c.user_id == user_id
            else:
                parents = [
                    fk for fk in table.foreign_keys
                    if fk.column.table.name in owned_keys and fk.column.primary_key
                ]
                if not parents:
                    continue
                fk = parents[0]
                where = fk.parent.in_(owned_keys[fk.column.table.name])
            rows = _rows(table, where)
            result[table.name] = rows
            pk = list(table.primary_key.columns)
            if len(pk) == 1:
                owned_keys[table.name] = {dict(row)[pk[0].name] for row in rows}
    return result


def describe_changes(before: Snapshot, after: Snapshot, limit: int = 3) -> str:
    """What differs between two snapshots, table by table, in a few readable lines."""
    lines = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, []), after.get(name, [])
        if old == new:
            continue
        gone = [row for row in old if row not in new]
        added = [row for row in new if row not in old]
        lines.append(f"  {name}: {len(old)} -> {len(new)} rows")
        lines += [f"    - {dict(row)}" for row in gone[:limit]]
        lines += [f"    + {dict(row)}" for row in added[:limit]]
    return "\n".join(lines) or "  (no differences)"


# --- SQL statements -------------------------------------------------------------------------

# Transaction control is not a query: SQLite's BEGIN is issued through SQLAlchemy (so the
# listener sees it) while PostgreSQL's is implicit in the driver (so it does not). Leaving
# these out makes the budget mean the same on both databases.
_NOT_A_QUERY = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA)\b", re.I)


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements the app's engine runs inside the block (PERF-03)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not _NOT_A_QUERY.match(statement):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


# --- Clients --------------------------------------------------------------------------------


def age_session(client: FlaskClient, seconds: int = 120) -> None:
    """Pretend the client's last request was `seconds` ago, past the one-minute throttle on
    session bookkeeping but inside the idle timeout, so the next request takes the code path
    that may refresh `last_seen_at` (allowed on non-GET requests only)."""
    with client.session_transaction() as session:
        session[SEEN_KEY] = int(time.time()) - seconds


# --- Sample data ----------------------------------------------------------------------------


def new_checkin(user: User, **details) -> int:
    """A check-in of `user` made today, with feelings and a note holding the canary."""
    details = {"energy": 2, "emotions": ("hopeful", "tired"), "note": f"{CANARY} a slow morning",
               **details}
    return make_checkin(user, details.pop("mood", 3), **details).id


def new_habit(user: User) -> int:
    """A self-care habit of `user`, with a unique name holding the canary."""
    return make_habit(user).id


def new_application(user: User) -> int:
    """An application of `user` (applied today), its company holding the canary."""
    return make_application(user).id


def new_reflection(user: User) -> int:
    """A rejection flow of `user` begun on a new application: the reflection's id."""
    return make_reflection(user).id


def with_user(app: Flask, user_id: int, make: Callable[[User], object]):
    """Run `make(user)` in an app context and return what it returns."""
    with app.app_context():
        return make(db.session.get(User, user_id))
