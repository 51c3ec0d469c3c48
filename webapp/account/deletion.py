"""Deleting an account: every row of the user, in one transaction (TRUST.md PRV-04).

The tables come from the metadata (`tables.user_tables`), children before parents, so a
table added later is deleted too without anyone remembering to list it. The foreign keys'
ON DELETE CASCADE would do the same, but deleting explicitly doesn't depend on SQLite's
foreign_keys pragma being on for this connection, and the order makes any miss an error.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete

from webapp.account import export
from webapp.account.tables import rows_of, user_tables
from webapp.auth.services import account_key
from webapp.database import finish_transaction
from webapp.extensions import db
from webapp.models import LoginFailure, User
from webapp.tasks import huey

logger = logging.getLogger("onward.account")

CONFIRM_WORD = "delete"


def confirmation_matches(user: User, typed: str) -> bool:
    """Whether the user typed "delete" or their own email to confirm."""
    typed = (typed or "").strip().casefold()
    return typed in (CONFIRM_WORD, user.email.casefold())


def delete_account(user: User) -> dict[str, int]:
    """Delete the user and every row they own, in one transaction: their sessions end and
    their share links stop working with it. Then their export files go and their queued
    tasks are dropped. Returns the rows deleted per table. Commits."""
    user_id, email = user.id, user.email
    finish_transaction()  # end the request's read, so the deletes take the write lock at once
    counts: dict[str, int] = {}
    try:
        for table in reversed(user_tables()):  # children first
            result = db.session.execute(delete(table).where(rows_of(table, user_id)))
            counts[table.name] = result.rowcount or 0
        # Failed sign-ins aren't linked to the account (only a keyed hash of the email);
        # the deleted address's count goes too.
        db.session.execute(delete(LoginFailure).where(
            LoginFailure.account_key == account_key(email)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    export.delete_files_of(user_id)
    drop_queued_tasks(user_id)
    logger.info("account deleted: %s rows", sum(counts.values()))
    return counts


def drop_queued_tasks(user_id: int) -> int:
    """Revoke every task waiting in the queue that was given `user_id=` for this user (an
    export being built, say); returns how many. Tasks check their rows exist when they run,
    so one already started finds nothing to do."""
    dropped = 0
    for task in huey.pending():
        if (task.kwargs or {}).get("user_id") == user_id:
            huey.revoke_by_id(task.id)
            dropped += 1
    return dropped
