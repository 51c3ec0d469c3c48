"""Made-up journal entries for `flask demo-data`: every kind, a few a week, derived from the
account and the date alone, so a later run only adds the days that are new."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from webapp.extensions import db
from webapp.journal.kinds import QUESTIONS_HEADING
from webapp.journal.markup import card_html
from webapp.models import JournalEntry, User, now_utc

COMPANIES = ("Northwind", "Bluebird Health", "Tessellate", "Harbour & Co", "Lumen Labs",
             "Fieldstone", "Kettle Studio", "Orchard Bank")
ROLES = ("product designer", "UX researcher", "content designer", "service designer")
QUESTIONS = (
    "Tell me about a project you're proud of.",
    "How do you handle feedback you disagree with?",
    "Walk me through your research process.",
    "Why are you leaving your current role?",
    "Describe a time a project didn't go to plan.",
    "How do you decide what to test first?",
    "What would your first 90 days look like?",
    "How do you work with engineers?",
)
SKILLS = ("accessibility audits", "writing for the web", "Figma variables", "survey design",
          "SQL for analysis", "presenting to stakeholders")
WINS = (
    ("A reply!", "{company} answered within a day and want to talk next week."),
    ("Portfolio done", "Finished the **case study** I kept putting off. It reads well."),
    ("Good conversation", "Coffee with an old colleague. She'll pass my name on at {company}."),
    ("Kept going", "Sent *two* applications even though I didn't feel like it."),
    ("Course module", "Passed the quiz on {skill} first time."),
)
REFLECTIONS = (
    "Quiet week. I notice I check my email far too often; tomorrow I'll look twice, at "
    "ten and at four.",
    "A 'no' from {company}. It stung for an evening. Writing it down helps: one role, one "
    "team, one decision.",
    "Feeling steadier. The routine of a morning walk and two hours of focused work is "
    "holding.",
    "Tired today. Allowed myself a rest day and it was the right call.",
)
FEEDBACK = (
    "The recruiter at {company} said my portfolio was strong but they went with someone "
    "with more {skill}. Useful: I can work on that. Not useful: reading it as 'not good "
    "enough'.",
    "{company}: 'great communication, less depth in research methods'. Two things to keep, "
    "one to practise.",
)


def _entry(kind: str, day: date, rng: random.Random) -> dict:
    company, role = rng.choice(COMPANIES), rng.choice(ROLES)
    skill = rng.choice(SKILLS)
    if kind == "application":
        return {"title": f"{company}: {role}",
                "body": f"Applied for the {role} role at {company}. Rewrote the first lines of "
                        f"my CV for them and mentioned their work on {skill}."}
    if kind == "interview":
        asked = "\n".join(f"- {q}" for q in rng.sample(QUESTIONS, 3))
        return {"title": f"Interview at {company}",
                "body": f"## {QUESTIONS_HEADING}\n{asked}\n\n## What went well\nI stayed calm and "
                        f"my examples landed.\n\n## What I want to practise\nShorter answers "
                        f"about {skill}."}
    if kind == "feedback":
        return {"title": f"Feedback from {company}",
                "body": rng.choice(FEEDBACK).format(company=company, skill=skill)}
    if kind == "skill":
        return {"title": f"Learning {skill}",
                "body": f"An hour on {skill}. What clicked: the basics. Still fuzzy: when to "
                        "use which approach."}
    if kind == "small_win":
        title, body = rng.choice(WINS)
        return {"title": title, "body": body.format(company=company, skill=skill)}
    return {"title": None, "body": rng.choice(REFLECTIONS).format(company=company)}


def add_demo_entries(user: User, days: int, today: date) -> int:
    """Write the demo journal for the last `days` days; how many entries were new. The
    caller commits."""
    existing = {tuple(row) for row in db.session.execute(
        select(JournalEntry.entry_date, JournalEntry.kind).where(JournalEntry.user_id == user.id)
    )}
    rows = []
    for offset in range(days, 0, -1):
        day = today - timedelta(days=offset)
        rng = random.Random(f"{user.email}:journal:{day.isoformat()}")  # noqa: S311 - not a secret
        if rng.random() > 0.3:
            continue
        kind = rng.choice(("application", "application", "interview", "feedback", "skill",
                           "small_win", "small_win", "reflection"))
        if (day, kind) in existing:
            continue
        rows.append({"user_id": user.id, "kind": kind, "entry_date": day, "version": 1,
                     "share_with_mentor": rng.random() < 0.2, "created_at": now_utc(),
                     "updated_at": now_utc(), **_entry(kind, day, rng)})
    for row in rows:
        row["card_html"] = card_html(row["body"])
    if rows:
        insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
        db.session.execute(insert(JournalEntry), rows)
    return len(rows)
