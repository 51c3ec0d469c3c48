"""Import of an Onward export file (docs/export-format.md) into the signed-in account.

One algorithm for an empty account and for one that already has data: every row of the
file is matched to a row the account already has, or added. A row matches

1. the row an earlier import of the same file made of it (`ImportedRow`: the file's origin
   and the row's id there, so importing the same file twice changes nothing);
2. when the file came from this very account, the row with the same id;
3. a row with the same unique key: a check-in's `client_uuid`, a week's goals or review, a
   habit's name, a habit done on a day, your why.

Ids in the file are the exporting server's; rows are added with new ids and every
reference (`application_id`, `habit_id`, ...) follows them. Your account details (email,
name, time zone) stay as they are. Share links come in ended: only their secret address
could open them, and that was never stored, so their views and notes keep a link to belong
to.

Everything is checked before anything is written; a problem anywhere is reported with its
table, row and field, and nothing is written (one transaction).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    and_,
    insert,
    select,
)
from sqlalchemy.exc import DBAPIError

from webapp.account.export import (
    FORMAT,
    FORMAT_VERSION,
    exported_columns,
    exported_tables,
    origin_of,
)
from webapp.account.tables import owner_column, rows_of
from webapp.clock import now_utc
from webapp.extensions import db
from webapp.journal.markup import card_html
from webapp.models import ImportedRow, User, UTCDateTime

# The whole file is parsed at once, so it has a ceiling: 16 MiB is decades of daily use
# (a year of check-ins, journal entries and applications is well under 1 MiB, the app's
# limit for every other request, which is why import needs its own).
IMPORT_LIMIT = 16 * 1024 * 1024
MAX_PROBLEMS = 20
SKIPPED = frozenset({"users"})  # the account's own details stay as they are


class ImportRejected(Exception):
    """The file can't be imported; `problems` says where and why, in the user's words."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems

    def shown(self) -> list[str]:
        """The first MAX_PROBLEMS problems, and how many more there are."""
        more = len(self.problems) - MAX_PROBLEMS
        extra = [f"…and {more} more like these."] if more > 0 else []
        return self.problems[:MAX_PROBLEMS] + extra


@dataclass
class ImportResult:
    added: dict[str, int] = field(default_factory=dict)
    matched: int = 0

    @property
    def total_added(self) -> int:
        return sum(self.added.values())


# --- Reading and checking -------------------------------------------------------------------


@dataclass
class Checked:
    origin: str
    tables: list[tuple[Table, list[dict[str, Any]]]]


def parse(raw: bytes) -> Checked:
    """Read and check a whole file. Raises ImportRejected listing every problem found."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        problem = "The file isn't text. Choose the .json file Onward gave you."
        raise ImportRejected([problem]) from None
    except json.JSONDecodeError as error:
        raise ImportRejected([
            f"The file isn't valid JSON (line {error.lineno}, column {error.colno}): "
            f"{error.msg}."]) from None
    problems: list[str] = []
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRejected(['This isn\'t an Onward export: "format" should be '
                              f'"{FORMAT}".'])
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ImportRejected(['"version" should be a whole number, 1 or more.'])
    if version > FORMAT_VERSION:
        raise ImportRejected([f"This file was made by a newer Onward (format version "
                              f"{version}); this one reads up to version {FORMAT_VERSION}."])
    origin = data.get("origin")
    if not isinstance(origin, str) or not 1 <= len(origin) <= 40:
        problems.append('"origin" should be the text the export wrote there.')
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise ImportRejected([*problems, '"tables" should be an object of lists.'])
    known = {t.name: t for t in exported_tables()}
    for name in tables:
        if name not in known:
            problems.append(f'tables: "{name}" isn\'t something Onward keeps.')
    checked: list[tuple[Table, list[dict[str, Any]]]] = []
    ids: dict[str, set[Any]] = {}
    for table in known.values():  # parents first, so references can be checked in order
        rows = tables.get(table.name, [])
        if table.name in SKIPPED:
            continue
        if not isinstance(rows, list):
            problems.append(f"{table.name}: should be a list of rows.")
            continue
        converted = []
        for number, row in enumerate(rows, start=1):
            where = f"{table.name} row {number}"
            if not isinstance(row, dict):
                problems.append(f"{where}: should be an object of fields.")
                continue
            values = check_row(table, row, where, problems)
            check_references(table, values, where, ids, problems)
            converted.append(values)
        if "id" in table.c:
            ids[table.name] = {v.get("id") for v in converted}
        checked.append((table, converted))
    if problems:
        raise ImportRejected(problems)
    return Checked(origin=origin, tables=checked)  # type: ignore[arg-type]


def check_row(table: Table, row: dict[str, Any], where: str,
              problems: list[str]) -> dict[str, Any]:
    """The row's values as the columns take them; problems appended, in the user's words."""
    allowed = set(exported_columns(table))
    owner = owner_column(table)
    values: dict[str, Any] = {}
    for name in row:
        if name not in allowed:
            problems.append(f'{where}: "{name}" isn\'t a field Onward knows here.')
    for name in allowed:
        column = table.c[name]
        if owner is not None and column is owner:
            continue  # always the importing account
        value = row.get(name)
        if value is None:
            if column.primary_key or (not column.nullable and column.default is None):
                problems.append(f'{where}: "{name}" is missing.')
            continue
        problem, converted = convert(column, value)
        if problem:
            problems.append(f'{where}: "{name}" {problem}.')
        else:
            values[name] = converted
    return values


def convert(column, value: Any) -> tuple[str | None, Any]:
    """(problem, value as the column takes it)."""
    kind = column.type
    if isinstance(kind, UTCDateTime | DateTime):
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is not None:
                return None, moment
        return "should be a date and time with its UTC offset, like 2026-01-31T09:30:00+00:00", None
    if isinstance(kind, Date):
        if isinstance(value, str):
            try:
                return None, date.fromisoformat(value)
            except ValueError:
                pass
        return "should be a day, like 2026-01-31", None
    if isinstance(kind, Boolean):
        return (None, value) if isinstance(value, bool) else ("should be true or false", None)
    if isinstance(kind, Integer):
        if isinstance(value, int) and not isinstance(value, bool):
            return None, value
        return "should be a whole number", None
    if isinstance(kind, JSON):
        return (None, value) if isinstance(value, list | dict) else ("should be a list", None)
    if isinstance(kind, String):
        if not isinstance(value, str):
            return "should be text", None
        if kind.length is not None and len(value) > kind.length:
            return f"is too long ({len(value)} characters; at most {kind.length})", None
        return None, value
    return None, value


def check_references(table: Table, values: dict[str, Any], where: str,
                     ids: dict[str, set[Any]], problems: list[str]) -> None:
    """Every reference names a row of the file (parents come first, so they are known)."""
    for fk in table.foreign_keys:
        parent = fk.column.table.name
        if parent == "users" or fk.parent.name not in values:
            continue
        if values[fk.parent.name] not in ids.get(parent, set()):
            problems.append(f'{where}: "{fk.parent.name}" is {values[fk.parent.name]}, but '
                            f"the file has no {parent} row with that id.")


# --- Writing --------------------------------------------------------------------------------


def import_file(user: User, raw: bytes) -> ImportResult:
    """Check `raw` (an export file) and bring its rows into the user's account: all of them
    or, on any problem, none. Raises ImportRejected. Commits."""
    checked = parse(raw)
    result = ImportResult()
    own_origin = origin_of(user.id)
    maps: dict[str, dict[Any, Any]] = {}
    where = ""
    try:
        for table, rows in checked.tables:
            maps[table.name] = {}
            for number, values in enumerate(rows, start=1):
                where = f"{table.name} row {number}"
                added = bring_in(user, table, values, maps, checked.origin,
                                 same_account=checked.origin == own_origin)
                if added:
                    result.added[table.name] = result.added.get(table.name, 0) + 1
                else:
                    result.matched += 1
        db.session.commit()
    except DBAPIError as error:
        db.session.rollback()
        reason = str(error.orig).splitlines()[0][:200] if error.orig else "it doesn't fit"
        raise ImportRejected([f"{where}: doesn't fit with the rest ({reason}). "
                              "Nothing was imported."]) from None
    return result


def bring_in(user: User, table: Table, values: dict[str, Any], maps: dict[str, dict],
             origin: str, *, same_account: bool) -> bool:
    """Match or add one row; True when added. References are mapped to this account's
    rows first."""
    values = dict(values)
    source_id = values.pop("id", None)
    owner = owner_column(table)
    if owner is not None:
        values[owner.name] = user.id
    for fk in table.foreign_keys:
        parent = fk.column.table.name
        if parent != "users" and values.get(fk.parent.name) is not None:
            values[fk.parent.name] = maps[parent][values[fk.parent.name]]
    if table.name == "share_links":
        # The link's address was never stored, so it comes in ended and can't be opened.
        values["token_hash"] = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
        values["revoked_at"] = values.get("revoked_at") or now_utc()
    if table.name == "journal_entries":
        # The card's HTML is not in the file (export.py leaves it out): made from the body,
        # as the journal makes it when an entry is saved.
        values["card_html"] = card_html(values.get("body") or "")
    if source_id is None:  # a link table keyed by its references (a check-in's feelings)
        key = [table.c[c.name] == values[c.name] for c in table.primary_key.columns]
        if db.session.execute(select(*table.primary_key.columns).where(*key)).first():
            return False
        db.session.execute(insert(table).values(**values))
        return True
    source = f"{origin}:{source_id}"
    existing = earlier_import(user, table, source)
    if existing is None and same_account:
        existing = db.session.scalar(select(table.c.id).where(
            table.c.id == source_id, rows_of(table, user.id)))
    if existing is None:
        existing = same_unique_key(user, table, values)
    added = existing is None
    if added:
        existing = db.session.execute(insert(table).values(**values)).inserted_primary_key[0]
    maps[table.name][source_id] = existing
    remember(user, table, source, existing)
    return added


def earlier_import(user: User, table: Table, source: str) -> int | None:
    """The row an earlier import made of this one, if it is still there."""
    row_id = db.session.scalar(select(ImportedRow.row_id).where(
        ImportedRow.user_id == user.id, ImportedRow.table_name == table.name,
        ImportedRow.source == source))
    if row_id is None:
        return None
    return db.session.scalar(select(table.c.id).where(table.c.id == row_id,
                                                      rows_of(table, user.id)))


def same_unique_key(user: User, table: Table, values: dict[str, Any]) -> int | None:
    """The user's row with the same unique key (from the table's own unique constraints and
    indexes), if there is one."""
    keys: list[tuple[list[str], Any]] = []
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            keys.append(([c.name for c in constraint.columns], None))
    for index in table.indexes:
        if isinstance(index, Index) and index.unique:
            keys.append(([c.name for c in index.columns], index.dialect_options["sqlite"]
                         .get("where")))
    for column in table.columns:
        if column.unique:
            keys.append(([column.name], None))
    for names, partial in keys:
        if not all(values.get(name) is not None for name in names):
            continue
        if partial is not None and values.get("archived_at") is not None:
            continue  # only active habits must have different names
        test = [table.c[name] == values[name] for name in names]
        if partial is not None:
            test.append(table.c.archived_at.is_(None))
        found = db.session.scalar(select(table.c.id).where(and_(*test), rows_of(table, user.id)))
        if found is not None:
            return found
    return None


def remember(user: User, table: Table, source: str, row_id: int) -> None:
    """Note which row this file's row is, so a second import of the file matches it."""
    known = db.session.scalar(select(ImportedRow).where(
        ImportedRow.user_id == user.id, ImportedRow.table_name == table.name,
        ImportedRow.source == source))
    if known is None:
        db.session.add(ImportedRow(user_id=user.id, table_name=table.name, source=source,
                                   row_id=row_id))
    else:
        known.row_id = row_id
    db.session.flush()
