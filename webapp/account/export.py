"""Export: every row the user owns, as one JSON file or a zip of CSV files (PRV-03).

Built by a task on the job queue (`account/tasks.py`), written page by page straight to a
file under the exports folder, so years of data never sit in memory at once, and kept for a
day. The format is documented in docs/export-format.md; bump FORMAT_VERSION when it
changes.

Rows are read in pages of PAGE_SIZE by primary key ("keyset" paging: `WHERE pk > last
ORDER BY pk LIMIT n`) rather than through one long server-side cursor: each page is its own
short read, so progress can be committed between pages and no transaction (nor SQLite's
read snapshot) stays open for the whole export.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import logging
import re
import secrets
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    String,
    Table,
    and_,
    func,
    or_,
    select,
    update,
)

from webapp.account.tables import rows_of, user_tables
from webapp.clock import now_utc
from webapp.config import INSTANCE
from webapp.extensions import db
from webapp.models import DataExport, User, UTCDateTime

logger = logging.getLogger("onward.export")

FORMAT = "onward-export"
FORMAT_VERSION = 1
PAGE_SIZE = 500
KEEP_FOR = timedelta(days=1)
# Five years of data take seconds to write, so a build still queued or running after this
# lost its worker (killed mid-task: the queue has no acknowledgements) and is queued again;
# one still not done after GIVE_UP_AFTER is marked failed, so the user can ask anew.
ABANDONED_AFTER = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(hours=1)
# A build that has run this long has died with its worker; the purge clears it.
STALE_AFTER = timedelta(hours=6)

# Every user table is exported, minus the columns named here. Secrets never leave: the
# password hash, and a share link's token hash (its label, cards and dates do).
EXPORTED: dict[str, frozenset[str]] = {
    "users": frozenset({"password_hash"}),
    "mood_checkins": frozenset(),
    "checkin_emotions": frozenset(),
    "deleted_checkins": frozenset(),
    "self_care_habits": frozenset(),
    "self_care_logs": frozenset(),
    "applications": frozenset(),
    "stage_changes": frozenset(),
    "skills": frozenset(),
    "application_skills": frozenset(),
    # The card's HTML is made from the body; an imported entry makes it again.
    "journal_entries": frozenset({"card_html"}),
    "thought_records": frozenset(),
    "weekly_goals": frozenset(),
    "weekly_reviews": frozenset(),
    "contacts": frozenset(),
    "activities": frozenset(),
    "practice_questions": frozenset(),
    "practice_attempts": frozenset(),
    "share_links": frozenset({"token_hash"}),
    "share_views": frozenset(),
    "mentor_notes": frozenset(),
    "my_whys": frozenset(),
    "visualization_sessions": frozenset(),
    "reminder_sends": frozenset(),
}
# User tables left out of the export, and why (docs/export-format.md says the same).
NOT_EXPORTED: dict[str, str] = {
    "login_sessions": "signed-in devices: a session secret's hash, nothing the user wrote",
    "password_resets": "one-time reset links: token hashes",
    "data_exports": "the export jobs themselves",
    "imported_rows": "bookkeeping of imports: which row a file's row became",
    "passkeys": "sign-in keys that belong to this site and your devices; useless anywhere else",
    "push_subscriptions": "a browser's address at its push service, for reminders; it belongs "
                          "to that browser",
}
# A column whose name looks like a secret is never exported, on any table, unless it is named
# here as harmless: a column added later (a push subscription's auth key, a passkey's
# credential) stays on the server until someone decides. A test lists what matches.
SECRET_LOOKING = re.compile(
    r"(^|_)(hash|token|secret|password|passwd|credential|private|auth|p256dh|key)(_|$)")
HARMLESS: frozenset[str] = frozenset({
    # a check-in's fingerprint, for telling a re-sent copy from a different check-in
    "mood_checkins.payload_hash",
    "deleted_checkins.payload_hash",
    "users.password_changed_at",  # only when, never what
    "self_care_habits.name_key",  # a habit's name as compared
    "self_care_habits.builtin_key",  # which built-in habit
})


def origin_of(user_id: int) -> str:
    """A stable name for "this account on this server", written into exports so an import
    can tell its own file from another's: not the id itself, and not guessable without the
    server's secret."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else secret.encode()
    key = hmac.new(secret, b"onward.export-origin", hashlib.sha256).digest()
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


class ExportUnavailable(Exception):
    """The export isn't there to download: not ready, expired, or its file is gone."""


def export_dir() -> Path:
    """Where export files go: EXPORT_DIR, else instance/exports/."""
    path = Path(current_app.config.get("EXPORT_DIR") or INSTANCE / "exports")
    # Only the app's own user may read what's in it.
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def exported_columns(table: Table) -> list[str]:
    """The columns of `table` that go into an export, in the table's own order."""
    left_out = EXPORTED.get(table.name, frozenset())
    return [c.name for c in table.columns
            if c.name not in left_out
            and (f"{table.name}.{c.name}" in HARMLESS or not looks_secret(c.name))]


def looks_secret(name: str) -> bool:
    return SECRET_LOOKING.search(name) is not None


def exported_tables() -> list[Table]:
    """The user's tables that go into an export, parents before children."""
    return [t for t in user_tables() if t.name not in NOT_EXPORTED]


# --- Starting, finding and downloading -------------------------------------------------------


def latest_export(user: User) -> DataExport | None:
    """The user's most recent export that hasn't expired, if any."""
    return db.session.scalar(
        DataExport.owned_by(user.id)
        .where(DataExport.expires_at > now_utc())
        .order_by(DataExport.id.desc())
        .limit(1)
    )


def start_export(user: User, kind: str) -> DataExport:
    """Queue an export of the user's data as "json" or "csv" and return it. One being built
    already is returned instead of starting a second. Commits, then queues the build."""
    if kind not in ("json", "csv"):
        raise ValueError(f"unknown export kind {kind!r}")
    running = db.session.scalar(
        DataExport.owned_by(user.id).where(DataExport.status.in_(("queued", "running")))
    )
    if running is not None:
        return running
    job = DataExport(user_id=user.id, kind=kind, status="queued",
                     expires_at=now_utc() + KEEP_FOR)
    db.session.add(job)
    db.session.commit()
    from webapp.account import tasks  # the task module imports this one

    # user_id travels with the task, so deleting the account finds and drops it.
    tasks.build_export(job.id, user_id=user.id)
    return job


def download(user: User, job: DataExport) -> tuple[Path, str]:
    """The file of a ready export of the user's and the name to save it as. Raises
    ExportUnavailable when it isn't ready, has expired or its file is gone."""
    if job.user_id != user.id:
        raise ExportUnavailable("not yours")
    if job.status != "ready" or job.expires_at <= now_utc() or not job.file_name:
        raise ExportUnavailable("not ready")
    path = export_dir() / job.file_name
    if not path.is_file():
        raise ExportUnavailable("file gone")
    day = job.created_at.date().isoformat()
    suffix = "json" if job.kind == "json" else "zip"
    return path, f"onward-export-{day}.{suffix}"


# --- Building (runs on the job queue) -------------------------------------------------------


def build(job_id: int) -> None:
    """Write export `job_id` to its file. Does nothing if the job is gone (the account was
    deleted) or already built. Commits progress between pages."""
    job = db.session.get(DataExport, job_id)
    if job is None or job.status in ("ready", "failed"):
        return
    user_id = job.user_id
    job.status = "running"
    job.rows_total = count_rows(user_id)
    job.rows_done = 0
    db.session.commit()
    suffix = "json" if job.kind == "json" else "zip"
    name = f"{user_id}-{job.id}-{secrets.token_urlsafe(16)}.{suffix}"
    final = export_dir() / name
    partial = final.with_suffix(final.suffix + ".part")
    try:
        with partial.open("wb") as out:
            if job.kind == "json":
                write_json(out, job)
            else:
                write_csv_zip(out, job)
        partial.replace(final)
    except Exception:
        partial.unlink(missing_ok=True)
        db.session.rollback()
        failed = db.session.get(DataExport, job_id)
        if failed is not None:
            failed.status = "failed"
            failed.finished_at = now_utc()
            db.session.commit()
        logger.exception("export %s failed", job_id)
        return
    job = db.session.get(DataExport, job_id)
    if job is None:  # the account was deleted while its export was written
        final.unlink(missing_ok=True)
        return
    job.status = "ready"
    job.file_name = name
    job.finished_at = now_utc()
    job.expires_at = job.finished_at + KEEP_FOR
    db.session.commit()


def count_rows(user_id: int) -> int:
    """How many rows the export will hold: one COUNT per table."""
    return sum(
        db.session.scalar(select(func.count()).select_from(table).where(rows_of(table, user_id)))
        or 0
        for table in exported_tables()
    )


def pages(table: Table, user_id: int, job: DataExport) -> Iterator[list[dict[str, Any]]]:
    """The user's rows of `table` as lists of at most PAGE_SIZE dicts, in primary key order,
    committing the job's progress after each page."""
    columns = exported_columns(table)
    key = list(table.primary_key.columns)
    last: tuple | None = None
    while True:
        query = select(*[table.c[name] for name in columns], *key).where(rows_of(table, user_id))
        if last is not None:
            query = query.where(after(key, last))
        rows = db.session.execute(query.order_by(*key).limit(PAGE_SIZE)).all()
        if not rows:
            return
        width = len(columns)
        yield [dict(zip(columns, row[:width], strict=True)) for row in rows]
        last = tuple(rows[-1][width:])
        job.rows_done += len(rows)
        db.session.commit()  # ends this page's read too
        if len(rows) < PAGE_SIZE:
            return


def after(key: list, last: tuple):
    """Rows whose (composite) primary key comes after `last`, spelled without row values."""
    clauses = []
    for i, column in enumerate(key):
        equal = [key[j] == last[j] for j in range(i)]
        clauses.append(and_(*equal, column > last[i]))
    return or_(*clauses)


def plain(value: Any) -> Any:
    """A column value as JSON has it: dates and times in ISO 8601, times in UTC."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def write_json(out: IO[bytes], job: DataExport) -> None:
    """{"format", "version", "exported_at", "origin", "tables": {name: [row, ...]}}, written
    a row at a time."""
    head = {"format": FORMAT, "version": FORMAT_VERSION, "exported_at": now_utc().isoformat(),
            "origin": origin_of(job.user_id)}
    out.write(json.dumps(head, ensure_ascii=False)[:-1].encode())
    out.write(b', "tables": {')
    for n, table in enumerate(exported_tables()):
        out.write(f'{", " if n else ""}\n{json.dumps(table.name)}: ['.encode())
        first = True
        for page in pages(table, job.user_id, job):
            for row in page:
                line = json.dumps({k: plain(v) for k, v in row.items()}, ensure_ascii=False)
                out.write(("\n  " if first else ",\n  ").encode() + line.encode())
                first = False
        out.write(b"]")
    out.write(b"\n}}\n")


def write_csv_zip(out: IO[bytes], job: DataExport) -> None:
    """One CSV file per table (header row first), zipped; JSON lists as JSON text."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in exported_tables():
            columns = exported_columns(table)
            with archive.open(f"{table.name}.csv", "w") as member:
                text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(columns)
                for page in pages(table, job.user_id, job):
                    writer.writerows([csv_value(row[c]) for c in columns] for row in page)
                text.flush()
                text.detach()


def csv_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return plain(value)


# --- The format, machine-readable ----------------------------------------------------------


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the export file, from the same metadata the export
    walks; docs/export-schema.json is this, written out (a test keeps the two equal)."""
    tables = {table.name: {"type": "array", "items": row_schema(table)}
              for table in exported_tables()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://onward.invalid/export-format/v{FORMAT_VERSION}.json",
        "title": f"Onward export, version {FORMAT_VERSION}",
        "description": "Every row one account owns. See docs/export-format.md.",
        "type": "object",
        "required": ["format", "version", "exported_at", "origin", "tables"],
        "properties": {
            "format": {"const": FORMAT},
            "version": {"const": FORMAT_VERSION},
            "exported_at": {"type": "string", "format": "date-time"},
            "origin": {"type": "string", "maxLength": 40},
            "tables": {"type": "object", "properties": tables, "required": list(tables),
                       "additionalProperties": False},
        },
        "additionalProperties": False,
    }


def row_schema(table: Table) -> dict[str, Any]:
    columns = exported_columns(table)
    return {
        "type": "object",
        "properties": {name: column_schema(table.c[name]) for name in columns},
        "required": columns,
        "additionalProperties": False,
    }


def column_schema(column) -> dict[str, Any]:
    kind = column.type
    if isinstance(kind, UTCDateTime | DateTime):
        schema: dict[str, Any] = {"type": "string", "format": "date-time"}
    elif isinstance(kind, Date):
        schema = {"type": "string", "format": "date"}
    elif isinstance(kind, Boolean):
        schema = {"type": "boolean"}
    elif isinstance(kind, Integer):
        schema = {"type": "integer"}
    elif isinstance(kind, JSON):
        schema = {"type": ["array", "object"]}
    elif isinstance(kind, String):
        schema = {"type": "string"}
        if kind.length is not None:
            schema["maxLength"] = kind.length
    else:  # a type added later: described loosely rather than wrongly
        schema = {}
    if column.nullable and "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*types, "null"]
    return schema


# --- Housekeeping ---------------------------------------------------------------------------


def abandoned_builds() -> list[tuple[int, int]]:
    """(job id, user id) of builds that lost their worker and are worth another go; builds
    past GIVE_UP_AFTER are marked failed instead. Commits."""
    now = now_utc()
    unfinished = DataExport.status.in_(("queued", "running"))
    db.session.execute(
        update(DataExport)
        .where(unfinished, DataExport.created_at <= now - GIVE_UP_AFTER)
        .values(status="failed", finished_at=now)
    )
    again = db.session.execute(
        select(DataExport.id, DataExport.user_id)
        .where(unfinished, DataExport.created_at <= now - ABANDONED_AFTER)
    ).all()
    db.session.commit()
    return [(job_id, user_id) for job_id, user_id in again]


def purge_expired() -> int:
    """Delete expired exports and their files, builds that died, and day-old files no job
    names. Returns how many jobs went. Commits."""
    now = now_utc()
    gone = list(db.session.scalars(select(DataExport).where(or_(
        DataExport.expires_at <= now,
        and_(DataExport.status.in_(("queued", "running")),
             DataExport.created_at <= now - STALE_AFTER),
    ))))
    folder = export_dir()
    for job in gone:
        if job.file_name:
            (folder / job.file_name).unlink(missing_ok=True)
        db.session.delete(job)
    db.session.commit()
    known = set(db.session.scalars(select(DataExport.file_name).where(
        DataExport.file_name.is_not(None))))
    for path in folder.iterdir():
        # Files no job names (a build cut off, a Daylio upload never confirmed) go once
        # they are a day old: until then one may still be in use.
        age = now.timestamp() - path.stat().st_mtime
        if path.is_file() and path.name not in known and age > KEEP_FOR.total_seconds():
            path.unlink(missing_ok=True)
    return len(gone)


def delete_files_of(user_id: int) -> None:
    """Remove every file of a user here (account deletion): exports finished or not, and
    uploads waiting for their preview to be confirmed."""
    for path in export_dir().glob(f"{user_id}-*"):
        path.unlink(missing_ok=True)
