"""Flask commands: `flask --app webapp demo-data ...`."""

from __future__ import annotations

import math
import os
import random
import sqlite3
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from webapp.applications.demo import add_demo_search
from webapp.auth import services as auth_services
from webapp.auth.passwords import password_problem
from webapp.checkins.feelings import EMOTIONS
from webapp.extensions import db
from webapp.growth.demo import add_demo_growth
from webapp.insights.demo import add_demo_visualizations, demo_mood_dip
from webapp.journal.demo import add_demo_entries
from webapp.models import CheckinEmotion, MoodCheckin, SelfCareLog, User, now_utc
from webapp.people.demo import add_demo_people
from webapp.selfcare import services as selfcare
from webapp.timezones import local_noon, local_today
from webapp.week.demo import add_demo_weeks

DEMO_NOTES = (
    "Sent two applications before lunch.",
    "Recruiter call went better than I expected.",
    "Quiet day. Walked to the river and back.",
    "Rewrote the summary on my CV; it reads like me now.",
    "Heard nothing back this week. Trying not to read into it.",
    "Coffee with a former colleague, who offered to pass my name on.",
    "Practised answers out loud. Felt silly, then better.",
    "Took the afternoon off. Needed it.",
    "Finished a module of the course.",
    "A 'no' today. Allowed myself the evening, then made tomorrow's list.",
)
# The demo account's password comes from here or a hidden prompt, never from argv, which
# every user on the host can read in the process list and which shell history keeps.
PASSWORD_ENV = "ONWARD_DEMO_PASSWORD"  # noqa: S105 - the variable's name, not a password
# Positive feelings for good days, harder ones for hard days.
PLEASANT = [e.key for e in EMOTIONS if e.pleasant > 0]
UNPLEASANT = [e.key for e in EMOTIONS if e.pleasant < 0]


def register_commands(app: Flask) -> None:
    """Add the commands to `flask` for this app."""
    app.cli.add_command(demo_data)
    app.cli.add_command(backup)


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(destination: str) -> None:
    """Copy the live SQLite database to DESTINATION safely, while the app keeps running
    (TRUST.md DB-04), then check the copy. For PostgreSQL, use pg_dump."""
    if db.engine.dialect.name != "sqlite":
        raise click.UsageError("This database is not SQLite: back it up with pg_dump.")
    target = Path(destination)
    _create_private_file(target)
    try:
        result, users = _copy_into(target)
    except BaseException:
        target.unlink(missing_ok=True)  # ours (created above): never leave half a copy
        raise
    if result != "ok":
        target.unlink(missing_ok=True)
        raise click.ClickException(f"The copy failed its integrity check: {result}")
    click.echo(f"Backed up to {target} ({users} accounts); integrity check: ok.")


def _create_private_file(target: Path) -> None:
    """Create TARGET empty with mode 0600, refusing one that exists (TRUST.md DB-04)."""
    # The copy holds everyone's moods and notes. SQLite would create the file with the
    # umask's mode (often 0644), readable by every user on the host for as long as it exists.
    # O_EXCL refuses an existing file or symlink in the same step that creates it.
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.UsageError(f"{target} exists already; choose a new file name.") from None
    except OSError as error:  # e.g. no such folder, or no permission to write there
        raise click.ClickException(f"Cannot create {target}: {error.strerror}.") from None
    try:
        os.fchmod(fd, 0o600)  # exactly 0600, whatever the umask took away
    finally:
        os.close(fd)


def _copy_into(target: Path) -> tuple[str, int]:
    """Copy the live database into the empty TARGET; its integrity result and user count."""
    source = db.engine.raw_connection()
    try:
        # An empty file is a valid empty database; SQLite keeps its mode, and gives any
        # journal it makes beside it the same mode.
        copy = sqlite3.connect(target)
        try:
            source.driver_connection.backup(copy)
            result = copy.execute("PRAGMA integrity_check").fetchone()[0]
            users = copy.execute("SELECT count(*) FROM users").fetchone()[0]
        finally:
            copy.close()
    finally:
        source.close()
    return result, users


@click.command("demo-data")
@with_appcontext
@click.option("--email", required=True, help="The demo account's email.")
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 3650))
@click.option("--name", default="Alex", show_default=True, help="The display name.")
@click.option("--timezone", default="Europe/London", show_default=True)
@click.option("--force", is_flag=True,
              help="Add made-up history even to an account demo-data did not create.")
def demo_data(email: str, days: int, name: str, timezone: str, force: bool) -> None:
    """Create (or top up) a demo account with DAYS days of varied check-ins and self-care,
    the weeks they fall in (goals, networking and learning, reviews), a job search of about
    sixty applications whose rejections dip the mood for a few days, journal entries, a why,
    and visualizations.

    A new account's password is read from ONWARD_DEMO_PASSWORD, or asked for when that is
    unset. Safe to run again: the same account is reused and nothing is added twice. An
    account it did not create is refused unless --force is given.
    """
    user = auth_services.find_user_by_email(email)
    if user is None:
        password = _demo_password(name, email)
        user = auth_services.register_user(
            email=email, display_name=name, password=password, timezone=timezone
        )
        user.is_demo = True  # in the same commit, so the marker never lags the account
        db.session.commit()
        click.echo(f"Created {email}.")
    elif not user.is_demo and not force:
        raise click.UsageError(
            f"{email} is an account demo-data did not create, so it may belong to a real "
            "person: made-up check-ins would be mixed into their history for good. Give "
            "another --email, or --force if you really mean to add demo data to it."
        )
    else:
        click.echo(f"Topping up {email}." if user.is_demo else f"Topping up {email} (--force).")
    # Growth first: its skills exist before the search's feedback names some of them.
    learning, networking = add_demo_growth(user, days), add_demo_people(user, days)
    click.echo(f"Added {learning} learning sessions and {networking} networking conversations.")
    # The job search comes before the check-ins: the mood dips after each of its "no"s.
    searched = add_demo_search(user, days)
    click.echo(f"Added a job search of {searched} applications." if searched else
               "The job search was there already.")
    rejections, dip = demo_mood_dip(user, days)
    click.echo(f"{rejections} rejections in these {days} days, each followed by a few harder "
               "days.")
    added = add_demo_history(user, days, dip=dip)
    click.echo(f"Added {added['checkins']} check-ins and {added['self_care']} self-care marks.")
    weeks = add_demo_weeks(user, days)
    click.echo(f"Added {weeks['goals']} weekly goals, {weeks['activities']} networking and "
               f"learning sessions and {weeks['reviews']} weekly reviews.")
    click.echo(f"Added {added['journal']} journal entries.")
    click.echo(f"Added {add_demo_visualizations(user, days)} visualizations.")


def _demo_password(name: str, email: str) -> str:
    """The new demo account's password, from the environment or a hidden prompt."""
    personal = (name, email.split("@")[0])
    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        problem = password_problem(password, personal=personal)
        if problem:
            raise click.UsageError(f"The password in {PASSWORD_ENV} is refused: {problem}")
        return password

    def checked(value: str) -> str:
        """Refuse a weak password, so the prompt asks again."""
        problem = password_problem(value, personal=personal)
        if problem:
            raise click.UsageError(problem)
        return value

    try:
        return click.prompt(
            f"Password for the new account {email} (or set {PASSWORD_ENV})",
            hide_input=True,
            confirmation_prompt=True,
            value_proc=checked,
        )
    except click.Abort:
        # Nothing to read (a script, a cron job) or Ctrl-C: say how to give one instead.
        raise click.UsageError(
            f"No password for the new account: set {PASSWORD_ENV}, or run this in a terminal "
            "to be asked for one."
        ) from None


def add_demo_history(user: User, days: int,
                     dip: Callable[[date], float] | None = None) -> dict[str, int]:
    """Write the demo history in a few bulk statements. Everything about a day (its ids,
    moods and habits) is derived from the account and that date alone, so a later run, even
    days later, finds those rows already there and only adds the days that are new. `dip`
    says how much lower the mood is on a day (after a rejection)."""
    today = local_today(user.timezone)
    habits = selfcare.habits(user)
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"onward-demo:{user.email}")
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert

    checkin_rows, emotion_picks, log_rows = [], {}, []
    for offset in range(days, -1, -1):
        day = today - timedelta(days=offset)
        rng = random.Random(f"{user.email}:{day.isoformat()}")  # noqa: S311 - not a secret
        # Slow swells with harder stretches between them, as a real search has.
        t = day.toordinal()
        baseline = 3.1 + 0.7 * math.sin(t / 29) + 0.35 * math.sin(t / 9.1)
        baseline -= dip(day) if dip else 0
        done = [h for h in habits if rng.random() < (0.55 if h.builtin_key else 0.35)]
        lift = 0.25 * len(done)
        for habit in done:
            log_rows.append({"user_id": user.id, "habit_id": habit.id, "local_date": day})
        if rng.random() < 0.12:  # a rest day with no check-in
            continue
        for index in range(rng.choice((1, 1, 1, 2, 2, 3))):
            mood = round(min(5, max(1, rng.gauss(baseline + lift, 0.8))))
            client_uuid = str(uuid.uuid5(namespace, f"{day.isoformat()}#{index}"))
            moment = local_noon(day, user.timezone) + timedelta(hours=rng.uniform(-4, 9))
            checkin_rows.append({
                "user_id": user.id,
                "client_uuid": client_uuid,
                "payload_hash": "demo",
                "mood": mood,
                "energy": rng.choice((None, max(1, min(5, mood + rng.choice((-1, 0, 1)))))),
                "note": rng.choice(DEMO_NOTES) if rng.random() < 0.3 else None,
                "local_date": day,
                "checked_in_at": min(moment, now_utc()),
                "received_at": now_utc(),
                "updated_at": now_utc(),
            })
            pool = PLEASANT if mood >= 4 else UNPLEASANT if mood <= 2 else PLEASANT + UNPLEASANT
            emotion_picks[client_uuid] = rng.sample(pool, k=rng.choice((0, 1, 2, 2, 3)))

    existing = set(
        db.session.scalars(select(MoodCheckin.client_uuid).where(MoodCheckin.user_id == user.id))
    )
    new_rows = [r for r in checkin_rows if r["client_uuid"] not in existing]
    if new_rows:
        db.session.execute(
            insert(MoodCheckin).on_conflict_do_nothing(index_elements=["user_id", "client_uuid"]),
            new_rows,
        )
        ids = dict(
            db.session.execute(
                select(MoodCheckin.client_uuid, MoodCheckin.id).where(
                    MoodCheckin.user_id == user.id,
                    MoodCheckin.client_uuid.in_([r["client_uuid"] for r in new_rows]),
                )
            ).all()
        )
        emotion_rows = [
            {"checkin_id": ids[cu], "emotion": key}
            for cu in (r["client_uuid"] for r in new_rows)
            for key in emotion_picks[cu]
        ]
        if emotion_rows:
            db.session.execute(insert(CheckinEmotion).on_conflict_do_nothing(), emotion_rows)
    logs_before = _count_logs(user)
    if log_rows:
        db.session.execute(
            insert(SelfCareLog).on_conflict_do_nothing(index_elements=["habit_id", "local_date"]),
            [{**row, "created_at": now_utc()} for row in log_rows],
        )
    journal = add_demo_entries(user, days, today)
    db.session.commit()
    return {"checkins": len(new_rows), "self_care": _count_logs(user) - logs_before,
            "journal": journal}


def _count_logs(user: User) -> int:
    """How many self-care marks the user has."""
    return db.session.scalar(
        select(func.count()).select_from(SelfCareLog).where(SelfCareLog.user_id == user.id)
    ) or 0
