"""Demo data for People: a support network, and conversations counted as networking over
the days. Used by `flask demo-data`."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Activity, Contact, User
from webapp.timezones import local_today

# (name, relation, how to reach them, nudge after days, notes)
DEMO_CONTACTS = (
    ("Sam Okafor", "mentor", "Video call, every other Friday", 14,
     "Former team lead. Happy to review my portfolio."),
    ("Priya", "friend", "Messages", 7, "Works in the field; knows who is hiring."),
    ("Mum and Dad", "family", "Sunday phone call", 7, None),
    ("Career changers' circle", "peer_group", "Thursday evenings at the library", 14, None),
    ("UX careers forum", "online_community", "Forum, weekly thread", 30,
     "Good for portfolio feedback."),
    ("Jordan (ex-colleague)", "other", "jordan@example.org", None, None),
)


def add_demo_people(user: User, days: int) -> int:
    """The contacts (once), and networking conversations over the last `days` days: each
    day's depends only on the account and the date, so a later run adds only new days.
    Last-in-touch days follow the conversations. Returns how many were added. Commits."""
    today = local_today(user.timezone)
    if db.session.scalar(Contact.owned_by(user.id).limit(1)) is None:
        for name, relation, how, nudge, notes in DEMO_CONTACTS:
            db.session.add(Contact(user_id=user.id, name=name, relation=relation,
                                   how_to_reach=how, nudge_after_days=nudge, notes=notes))
        db.session.flush()
    contacts = list(db.session.scalars(
        Contact.owned_by(user.id)
        .where(Contact.name.in_([name for name, *_ in DEMO_CONTACTS]))
        .order_by(Contact.id)
    ))
    existing = set(db.session.execute(
        select(Activity.done_on, Activity.contact_id)
        .where(Activity.user_id == user.id, Activity.kind == "networking")
    ).all())
    added = 0
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        rng = random.Random(f"{user.email}:{day.isoformat()}:networking")  # noqa: S311
        if not contacts or rng.random() > 0.2:
            continue
        # The last contact is left out, so one person shows a gentle nudge.
        contact = rng.choice(contacts[:-1] or contacts)
        if (day, contact.id) not in existing:
            db.session.add(Activity(user_id=user.id, kind="networking", done_on=day,
                                    contact_id=contact.id))
            added += 1
        if contact.last_contacted_on is None or contact.last_contacted_on < day:
            contact.last_contacted_on = day
    db.session.commit()
    return added
