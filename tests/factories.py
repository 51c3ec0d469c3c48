"""The one place tests make data. Everything goes through the real services, so test data
obeys the same rules as a user's (a check-in's day, a habit's name, the default habits).
Call these inside an app context; each returns the object it made, committed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from tests.passkey_authenticator import SoftAuthenticator
from webapp.applications import flow
from webapp.applications import services as applications
from webapp.applications.words import SMALL_WIN
from webapp.auth import passkeys
from webapp.auth import services as auth_services
from webapp.checkins import services as checkins
from webapp.extensions import db
from webapp.growth import services as growth
from webapp.journal import services as journal
from webapp.models import (
    Activity,
    Application,
    Contact,
    DataExport,
    JournalEntry,
    LoginFailure,
    MentorNote,
    MoodCheckin,
    Passkey,
    PracticeAttempt,
    PracticeQuestion,
    SelfCareHabit,
    ShareLink,
    Skill,
    StageChange,
    ThoughtRecord,
    User,
    VisualizationSession,
    WeeklyGoal,
    WeeklyReview,
)
from webapp.models.search import PIPELINE
from webapp.people import services as people
from webapp.selfcare import services as selfcare
from webapp.share import services as share
from webapp.timezones import local_today
from webapp.visualize import services as visualize
from webapp.week import services as week

PASSWORD = "a calm walk by the river"
CANARY = "alice-canary-7f3c"


def make_user(email: str | None = None, *, name: str = "Test", timezone: str = "Europe/London",
              password: str = PASSWORD) -> User:
    """An account with the default habits, as sign-up makes it (no HTTP, no rate limit)."""
    email = email or f"{name.lower()}-{uuid.uuid4().hex[:10]}@example.com"
    return auth_services.register_user(
        email=email, display_name=name, password=password, timezone=timezone
    )


def make_login_failures(email: str, times: list[datetime], *,
                        device_nonce: str | None = None) -> None:
    """Wrong passwords for `email` at these times, from an unknown browser or from the
    device cookie with `device_nonce`: someone guessing elsewhere, without the minutes of
    argon2 and waiting it would take over HTTP. Keyed exactly as sign-in keys them."""
    key = auth_services.account_key(email)
    db.session.add_all([LoginFailure(account_key=key, device_nonce=device_nonce, failed_at=at)
                        for at in times])
    db.session.commit()


def user_by_id(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def make_checkin(user: User, mood: int = 3, *, client_uuid: str | None = None,
                 **details) -> MoodCheckin:
    """A check-in of `user`: today unless `day` is given; energy, emotions, note as given."""
    data = checkins.CheckinInput(mood=mood, **details)
    checkin, _ = checkins.record_checkin(user, client_uuid or str(uuid.uuid4()), data)
    return checkin


def make_habit(user: User, name: str | None = None) -> SelfCareHabit:
    """One of the user's own habits, with a unique name unless one is given."""
    return selfcare.add_habit(user, name or f"{CANARY} {uuid.uuid4().hex[:8]}")


def habit_named(user: User, name: str) -> SelfCareHabit:
    habit = db.session.scalar(SelfCareHabit.owned_by(user.id).where(SelfCareHabit.name == name))
    assert habit is not None, f"{user} has no habit {name!r}"
    return habit


def mark_done(user: User, habit: SelfCareHabit, day: date | None = None) -> None:
    """Tick the habit off on `day` (the user's today by default)."""
    selfcare.set_habit_done(user, habit, day or local_today(user.timezone), True)


def make_journal_entry(user: User, *, kind: str = "small_win", body: str | None = None,
                       title: str | None = None, entry_date: date | None = None,
                       share_with_mentor: bool = False) -> JournalEntry:
    """A journal entry of `user`, through the service: today's small win holding the canary
    unless told otherwise."""
    return journal.create_entry(user, journal.EntryInput(
        kind=kind, title=title, body=body or f"{CANARY} a reply came back",
        entry_date=entry_date or local_today(user.timezone), share_with_mentor=share_with_mentor,
    ))


def seed_a_month(user: User, days: int = 30) -> None:
    """A realistic month: one or two check-ins a day with feelings and notes, self-care
    done on most days, and the month's weeks (goals, activities, applications, reviews), so
    list pages have something to (over-)query."""
    today = local_today(user.timezone)
    habits = selfcare.habits(user)
    emotions = ("hopeful", "anxious", "tired", "proud", "calm", "stuck")
    for back in range(days):
        day = today - timedelta(days=back)
        for n in range(1 + back % 2):
            make_checkin(
                user,
                1 + (back + n) % 5,
                energy=1 + back % 5,
                emotions=(emotions[back % 6], emotions[(back + n + 1) % 6]),
                note=f"day {back}, check-in {n}",
                day=day,
            )
        for position, habit in enumerate(habits):
            if (back + position) % 3:
                mark_done(user, habit, day)
    seed_weeks(user, weeks=max(days // 7, 1))


# --- Week: goals, activities, reviews, and applications reaching "applied" ----------------


def this_monday(user: User) -> date:
    """The Monday of the user's current week, on their calendar."""
    return week.current_week(user)


def make_goal(user: User, week_start: date | None = None, *, applications: int = 5,
              networking: int = 2, learning: int = 2, rest_days: int = 2) -> WeeklyGoal:
    """The user's targets for a week (this week by default)."""
    return week.set_targets(
        user, week_start or this_monday(user),
        week.Targets(applications, networking, learning, rest_days),
    )


def make_activity(user: User, kind: str = "networking", *, day: date | None = None,
                  note: str | None = None, **links) -> Activity:
    """A networking or learning activity logged on `day` (the user's today by default)."""
    return week.log_activity(user, kind, day=day or local_today(user.timezone),
                             note=note if note is not None else f"{CANARY} coffee with Sam",
                             **links)


def make_review(user: User, week_start: date | None = None, **answers) -> WeeklyReview:
    """A review of a week (last week by default), its answers holding the canary."""
    week_start = week_start or this_monday(user) - timedelta(days=7)
    answers = {"went_well": f"{CANARY} a kind reply from a recruiter",
               "change_next": "Apply earlier in the day", **answers}
    return week.save_review(user, week_start, week.ReviewAnswers(**answers))


def make_application_row(user: User, company: str = "Acme", role: str = "Analyst", *,
                         applied_on: date | None = None) -> Application:
    """An application written straight to the tables, moved to "applied" on `applied_on`
    when one is given: for week tests that pin dates the service would call future."""
    application = Application(user_id=user.id, company=company, role=role,
                              stage="saved" if applied_on is None else "applied",
                              applied_on=applied_on)
    db.session.add(application)
    db.session.flush()
    if applied_on is not None:
        add_stage_change(user, application, "applied", applied_on)
    db.session.commit()
    return application


def add_stage_change(user: User, application: Application, stage: str, day: date) -> StageChange:
    """Record, straight in the tables, that the application moved to `stage` on `day`."""
    change = StageChange(user_id=user.id, application_id=application.id, stage=stage,
                         changed_on=day)
    application.stage = stage
    db.session.add(change)
    db.session.commit()
    return change


def seed_weeks(user: User, weeks: int = 8) -> None:
    """A couple of months of weeks: goals, a few activities and applications each week,
    and a review for most, so the Week pages have something to (over-)query."""
    monday = this_monday(user)
    for back in range(weeks):
        start = monday - timedelta(days=7 * back)
        make_goal(user, start, applications=4 + back % 3, networking=2, learning=1 + back % 2)
        for n in range(3):
            day = min(start + timedelta(days=n), local_today(user.timezone))
            make_activity(user, ("networking", "learning")[n % 2], day=day, note=f"week -{back}")
            make_application_row(user, f"Company {back}-{n}", applied_on=day)
        if back and back % 4:
            make_review(user, start, tailoring="Two of three letters were tailored")


# --- Growth and People ------------------------------------------------------------------------


def make_skill(user: User, name: str | None = None, **fields) -> Skill:
    """A skill or course of `user` (planned, 0% unless `fields` say otherwise), its name
    holding the canary unless one is given."""
    data = growth.SkillInput(name=name or f"{CANARY} skill {uuid.uuid4().hex[:6]}", **fields)
    return growth.add_skill(user, data)


def make_question(user: User, text: str | None = None, *, source: str = "own",
                  application_id: int | None = None) -> PracticeQuestion:
    """An interview question in `user`'s bank, holding the canary unless text is given."""
    text = text or f"{CANARY} Tell me about a time you changed your mind? {uuid.uuid4().hex[:6]}"
    return growth.add_question(user, text, source=source, application_id=application_id)


def practise(user: User, question: PracticeQuestion, rating: int,
             day: date | None = None) -> PracticeAttempt:
    """One practice of the question, rated 1-5, on `day` (the user's today by default)."""
    return growth.record_practice(user, question, rating, day or local_today(user.timezone))


def make_contact(user: User, name: str | None = None, **fields) -> Contact:
    """Someone in `user`'s support network, named with the canary unless a name is given."""
    data = people.ContactInput(name=name or f"{CANARY} friend {uuid.uuid4().hex[:6]}", **fields)
    return people.add_contact(user, data)


def make_feedback_application(user: User, skill: Skill, *, company: str = "Northwind",
                              role: str = "Data analyst") -> Application:
    """An application whose feedback named `skill` as one to improve. Written straight to
    the tables: tagging skills from feedback belongs to the applications blueprint, which
    can replace this with its own service."""
    application = Application(user_id=user.id, company=company, role=role, stage="rejected",
                              reached=3, feedback="More depth in SQL would help.")
    application.skills_to_improve.append(skill)
    db.session.add(application)
    db.session.commit()
    return application


# --- Visualize and Insights ---------------------------------------------------------------


def set_my_why(user: User, reasons: tuple[str, ...] = ("growth",),
               own_words: str | None = f"{CANARY} a team that teaches me") -> visualize.Why | None:
    """The user's why, saved through the service."""
    return visualize.save_my_why(user, reasons, own_words)


def make_visualization(user: User, felt: int = 4, *, minutes: int = 3,
                       note: str | None = f"{CANARY} a bright office by the river"
                       ) -> VisualizationSession:
    """A guided visualization the user took today, with how it felt."""
    return visualize.record_session(user, visualize.SessionInput(minutes, felt, note))


def make_sent_application(user: User, *, reached: int = 1, resume_tailored: bool | None = None,
                          cover_letter_tailored: bool | None = None,
                          excitement: int | None = None, company: str = "Acme",
                          applied_on: date | None = None) -> Application:
    """An application that reached pipeline rank `reached` (1 applied ... 3 interview, 4
    offer), with how it was tailored and how excited the user was. Written directly, as
    make_application is: the applications blueprint lands separately."""
    applied_on = applied_on or local_today(user.timezone)
    application = make_application_row(user, company, applied_on=applied_on)
    application.resume_tailored = resume_tailored
    application.cover_letter_tailored = cover_letter_tailored
    application.excitement = excitement
    application.reached = reached
    if reached > 1:
        add_stage_change(user, application, PIPELINE[reached], applied_on)
    db.session.commit()
    return application


# --- The job search -----------------------------------------------------------------------


def make_application(user: User, company: str | None = None, role: str = "Designer", *,
                     stage: str = "applied", applied_on: date | None = None,
                     **details) -> Application:
    """One of the user's applications, added as a person would (saved or applied; the
    company holds the canary unless one is given). Any other ApplicationInput field may be
    given too."""
    data = applications.ApplicationInput(
        company=company or f"{CANARY} Co", role=role, applied_on=applied_on, **details
    )
    return applications.create_application(user, data, stage=stage)


def move(user: User, application: Application, *stages: str, day: date | None = None) -> None:
    """Move the application through `stages`, in order, each on `day` (today by default)."""
    for stage in stages:
        applications.move_application(user, application, stage,
                                      day or local_today(user.timezone))


def make_reflection(user: User, application: Application | None = None, *,
                    stage_reached: str = "interview", day: date | None = None) -> JournalEntry:
    """A rejection flow begun on `application` (a new one by default): the application is
    marked rejected and step 1 is answered."""
    application = application or make_application(user)
    happened = flow.Happened(stage_reached=stage_reached, day=day or local_today(user.timezone))
    return flow.start_reflection(user, application, happened)


def make_small_win(user: User, title: str, day: date | None = None) -> JournalEntry:
    """A journal entry of the kind "small win" (the journal issue will add a service)."""
    entry = JournalEntry(user_id=user.id, kind=SMALL_WIN, title=title, body="",
                         entry_date=day or local_today(user.timezone))
    db.session.add(entry)
    db.session.commit()
    return entry
# --- Share: links, mentor notes, and the rows their cards read ----------------------------


def make_share_link(user: User, label: str = "for Sam, my mentor", *,
                    cards: tuple[str, ...] | None = None, days: int = 30,
                    show_company_names: bool = False) -> share.NewLink:
    """A link of `user` (through the service) showing `cards`, every card by default; the
    returned NewLink carries the raw token, as the page that made it would show."""
    from webapp.share.cards import CARDS

    choice = share.Choice(tuple(CARDS) if cards is None else cards, show_company_names)
    return share.create_link(user, label=label, days=days, choice=choice)


def make_mentor_note(user: User, link: ShareLink | None = None, *,
                     body: str = "You're doing great, keep going.",
                     author_name: str | None = "Sam") -> MentorNote:
    """A note left through `link` (a new link of `user` by default)."""
    return share.leave_note(link or make_share_link(user).link, body=body,
                            author_name=author_name)


# Every field a share card must never show carries this, so a test can look for it in the
# mentor's page (TRUST.md SEC-17).
SHARE_CANARY = "unshared-canary-5d1e"


def seed_shareable_progress(user: User) -> dict[str, object]:
    """What every card reads, with SHARE_CANARY in each field no card may show: check-ins
    with notes and feelings, applications at every stage with roles, notes, contacts and
    feedback, skills with notes, small wins and journal entries with bodies (one entry marked
    "share with my mentor"), a thought record, a contact, a goal, an activity and a review. Rows the applications, journal and
    growth blueprints (built separately) write are written directly here. Returns the
    shareable values a test expects to see."""
    today = local_today(user.timezone)
    for back, mood in enumerate((4, 2, 5)):
        make_checkin(user, mood, day=today - timedelta(days=back), energy=3,
                     emotions=("anxious", "hopeful"), note=f"{SHARE_CANARY} check-in note")
    make_goal(user, applications=3, networking=2, learning=1)
    make_activity(user, "networking", note=f"{SHARE_CANARY} coffee note")
    make_review(user, went_well=f"{SHARE_CANARY} review answer")
    companies = {0: "Saved Co", 1: "Applied Ltd", 2: "Screening plc", 3: "Interview Inc",
                 4: "Offer GmbH"}
    for reached, company in companies.items():
        db.session.add(Application(
            user_id=user.id, company=company, role=f"{SHARE_CANARY} role", reached=reached,
            stage=("saved", "applied", "screening", "interview", "offer")[reached],
            notes=f"{SHARE_CANARY} application notes", contact_name=f"{SHARE_CANARY} recruiter",
            contact_email="canary-recruiter@example.com", salary=f"{SHARE_CANARY} salary",
            feedback=f"{SHARE_CANARY} feedback", location=f"{SHARE_CANARY} town",
        ))
    db.session.add_all([
        Skill(user_id=user.id, name="SQL window functions", status="active", progress=40,
              provider=f"{SHARE_CANARY} provider", notes=f"{SHARE_CANARY} skill notes"),
        Skill(user_id=user.id, name="Public speaking", status="done", progress=100),
        JournalEntry(user_id=user.id, kind="small_win", title="Finished the portfolio",
                     body=f"{SHARE_CANARY} small win body", entry_date=today),
        JournalEntry(user_id=user.id, kind="reflection", title=f"{SHARE_CANARY} private title",
                     body=f"{SHARE_CANARY} private body", entry_date=today,
                     thought_record=ThoughtRecord(user_id=user.id,
                                                  thought=f"{SHARE_CANARY} thought")),
        Contact(user_id=user.id, name=f"{SHARE_CANARY} contact",
                notes=f"{SHARE_CANARY} contact notes"),
        JournalEntry(user_id=user.id, kind="interview", title="Second interview went well",
                     body="They asked about **teamwork**.\n<script>alert(1)</script>",
                     entry_date=today - timedelta(days=1), share_with_mentor=True),
    ])
    db.session.commit()
    return {
        "week": ["of 3 applications", "of 2 networking events or conversations"],
        "applications": ["Reached an interview"],
        "company_names": list(companies.values())[1:],
        "checkins": ["Days checked in this month"],
        "mood": ["of 5, "],
        "wins": ["Finished the portfolio"],
        "skills": ["SQL window functions", "Public speaking"],
        "journal": ["Second interview went well", "They asked about <strong>teamwork</strong>."],
    }


def make_rejection(user: User, day: date, *, company: str = "Acme",
                   role: str = "Analyst") -> StageChange:
    """An application, applied for a week before `day`, and its "no" on `day`."""
    application = make_application_row(user, company, role, applied_on=day - timedelta(days=7))
    application.reached = 1
    return add_stage_change(user, application, "rejected", day)


def mood_days(user: User, moods: dict[date, int | tuple[int, ...]]) -> None:
    """Check-ins on these days: one mood a day, or several (a tuple)."""
    for day, mood in moods.items():
        for one in (mood if isinstance(mood, tuple) else (mood,)):
            make_checkin(user, one, day=day)


def seed_a_search(user: User, days: int = 365) -> None:
    """`days` of a job search for Insights: a check-in on most days (two on some), self-care
    on many, a "no" every five weeks or so with the mood dipping after it, and applications
    with and without tailoring. With days=7 and days=365 the Insights page must cost the
    same number of queries."""
    today = local_today(user.timezone)
    habits = selfcare.habits(user)
    rejections = {today - timedelta(days=back) for back in range(3, days, 37)}
    dip = 0
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        dip = 2 if day in rejections else max(dip - 1, 0)
        if back % 9 == 4:
            continue  # a rest day without a check-in
        for n in range(1 + (back % 4 == 0)):
            make_checkin(user, max(1, 4 - dip - (back + n) % 2), day=day)
        for position, habit in enumerate(habits):
            if (back + position) % 3 == 0:
                mark_done(user, habit, day)
    for number, day in enumerate(sorted(rejections)):
        make_rejection(user, day, company=f"{CANARY} Co {number}")
    for n in range(min(days // 7 + 2, 24)):
        make_sent_application(user, reached=3 if n % 3 == 0 else 1, resume_tailored=n % 2 == 0,
                              cover_letter_tailored=n % 4 < 2, excitement=1 + n % 5,
                              company=f"Company {n}")


# --- Passkeys (issue 10) --------------------------------------------------------------------

PASSKEY_RP = passkeys.RelyingParty(id="localhost", name="Onward", origin="http://localhost")


def make_passkey(user: User, name: str = "My phone", *,
                 authenticator: SoftAuthenticator | None = None) -> Passkey:
    """A passkey of `user`, registered through the real services by a software authenticator
    (pass one in to sign in with it later)."""
    authenticator = authenticator or SoftAuthenticator()
    options, challenge = passkeys.registration_options(user, PASSKEY_RP)
    return passkeys.verify_registration(user, authenticator.register(options), challenge,
                                        PASSKEY_RP, name=name)


# --- Reminders ------------------------------------------------------------------------------


def set_reminder(user: User, *, on: bool = True, at: str = "09:00",
                 days: frozenset[int] = frozenset(range(7))) -> User:
    """The user's daily check-in reminder, through the settings service."""
    from datetime import time

    from webapp.reminders import services as reminders

    hour, minute = (int(part) for part in at.split(":"))
    reminders.save_settings(user, reminders.ReminderSettings(on=on, at=time(hour, minute),
                                                             days=days))
    return user


def make_push_subscription(user: User, endpoint: str, *, p256dh: str, auth: str,
                           login_session_id: int | None = None):
    """A browser's push subscription, saved as the subscribe endpoint saves it. The endpoint
    is not checked here, so tests can point it at a local fake push service."""
    from webapp.models import PushSubscription
    from webapp.reminders import services as reminders

    reminders.save_subscription(
        user, reminders.SubscriptionInput(endpoint=endpoint, p256dh=p256dh, auth=auth),
        login_session_id=login_session_id, device="Test browser",
    )
    return db.session.query(PushSubscription).filter_by(endpoint=endpoint).one()


# --- Own your data: a row in every table a user can own -----------------------------------


def seed_every_table(user: User) -> dict[str, int]:
    """At least one row of `user` in every table that holds a user's rows, each holding the
    canary where it has text: check-ins with emotions, a deleted check-in, self-care,
    applications with stage changes and feedback skills, a reflection with its thought
    record, goals, activities, reviews, questions with an attempt, contacts, a share link
    with a view and a note, my why, a visualization, a reset link, an export, a passkey, a
    reminder with a browser's subscription and a day's claim. (Signing in adds the login
    session.) Returns {table: rows} from `tables.user_tables()`."""
    from sqlalchemy import func, select

    from webapp.account import export
    from webapp.account.tables import rows_of, user_tables
    from webapp.models import ImportedRow, ReminderSend
    from webapp.share.visitors import Visit

    make_checkin(user, 4, energy=3, emotions=("hopeful", "calm"), note=f"{CANARY} check-in")
    checkins.delete_checkin(make_checkin(user, 2))
    mark_done(user, make_habit(user))
    application = make_application(user, notes=f"{CANARY} notes")
    move(user, application, "screening")
    skill = make_skill(user)
    make_feedback_application(user, skill)
    db.session.add(ImportedRow(user_id=user.id, table_name="skills", source="seed:1",
                               row_id=skill.id))
    make_reflection(user)
    make_goal(user)
    make_activity(user, "networking", note=f"{CANARY} coffee")
    make_review(user, went_well=f"{CANARY} went well")
    practise(user, make_question(user), 4)
    make_contact(user)
    link = make_share_link(user)
    share.open_link(link.token, visit=Visit(device_class="phone", ip_prefix="192.0.2.0/24"))
    make_mentor_note(user, link.link)
    set_my_why(user)
    make_visualization(user)
    auth_services.create_password_reset(user.email)
    export.start_export(user, "json")
    make_passkey(user)
    set_reminder(user)
    make_push_subscription(user, f"https://push.example.test/seed-{user.id}", p256dh="seed-key",
                           auth="seed-auth")
    db.session.add(ReminderSend(user_id=user.id, local_date=date(2026, 3, 2), outcome="sent"))
    db.session.commit()
    return {
        table.name: db.session.scalar(
            select(func.count()).select_from(table).where(rows_of(table, user.id))) or 0
        for table in user_tables()
    }


def make_export_job(user: User, *, status: str = "ready") -> DataExport:
    """An export of `user`'s data: built for real (its file on disk) when "ready", else one
    still being built, with no file yet."""
    from webapp.account import export
    from webapp.clock import now_utc

    if status == "ready":
        return export.start_export(user, "json")
    job = DataExport(user_id=user.id, kind="json", status=status, rows_done=1, rows_total=4,
                     expires_at=now_utc() + timedelta(days=1))
    db.session.add(job)
    db.session.commit()
    return job
