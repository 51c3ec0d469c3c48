"""The journal's rules: writing, editing with a version (OFF-10), the timeline, full-text
search, interview questions to practise, and "On this day". No requests or templates here;
every function that changes something commits."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from markupsafe import Markup
from sqlalchemy import (
    Double,
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.sql import ColumnElement, Subquery

from webapp.extensions import db
from webapp.journal.kinds import BODY_MAX, KINDS, QUESTIONS_HEADING, TITLE_MAX
from webapp.journal.markup import MARK_END, MARK_START, card_html, highlight, snippet_text
from webapp.models import (
    JournalEntry,
    MoodCheckin,
    PracticeQuestion,
    ThoughtRecord,
    User,
    now_utc,
)
from webapp.models.fulltext import FTS_TABLE, PG_CONFIG, fts_table, search_document
from webapp.timezones import local_today

PAGE_SIZE = 20
EARLIEST_DAY = date(2000, 1, 1)
# A day ahead of the user's today: a phone a little ahead, or writing just after midnight
# somewhere else (SEC-25).
LATEST_AHEAD = timedelta(days=1)
QUERY_MAX = 200
# A search uses at most this many words, each at most this long.
TERMS_MAX = 12
TERM_MAX = 40
QUESTION_MAX = 500
# "On this day" looks back this many years, month by month.
ON_THIS_DAY_YEARS = 5
GOOD_DAY_MOOD = 4

# Control characters have no place in an entry, and \x02/\x03 are the search's highlight
# sentinels (markup.py). Tabs and newlines stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A search term: letters and digits only, so no FTS5 or tsquery syntax ("quotes", *, -, ^,
# :, parentheses, NEAR(...), &, |, !) ever reaches the database as syntax.
_TERM = re.compile(r"[^\W_]+")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s+|\*\*|__)")


class InvalidEntry(ValueError):
    """An entry breaks a rule. `field` names the form field, the message says what to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class EntryChanged(Exception):
    """The entry was saved elsewhere since this edit began (OFF-10); `saved` is that version."""

    def __init__(self, saved: JournalEntry):
        super().__init__("This entry changed since you opened it.")
        self.saved = saved


class BadCursor(ValueError):
    """A "where the last page ended" token that this journal never made."""


@dataclass(frozen=True)
class EntryInput:
    kind: str
    body: str
    entry_date: date
    title: str | None = None
    share_with_mentor: bool = False


def clean_text(text: str | None) -> str:
    """Newlines as "\\n", no control characters, no spaces at either end."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def checked(user: User, data: EntryInput) -> EntryInput:
    """`data` cleaned and within the rules. Raises InvalidEntry."""
    if data.kind not in KINDS:
        raise InvalidEntry("kind", "Choose what kind of entry this is.")
    title = " ".join(clean_text(data.title).split()) or None
    if title and len(title) > TITLE_MAX:
        raise InvalidEntry("title", f"Keep the title to {TITLE_MAX} characters.")
    body = clean_text(data.body)
    if not body:
        raise InvalidEntry("body", "Write something, even a line.")
    if len(body) > BODY_MAX:
        raise InvalidEntry("body", f"Keep an entry to {BODY_MAX:,} characters; "
                                   f"this one has {len(body):,}. Split it in two?")
    if data.entry_date > local_today(user.timezone) + LATEST_AHEAD:
        raise InvalidEntry("entry_date", "An entry can't be dated more than a day ahead.")
    if data.entry_date < EARLIEST_DAY:
        raise InvalidEntry("entry_date", "Choose a day in 2000 or later.")
    return EntryInput(kind=data.kind, body=body, entry_date=data.entry_date, title=title,
                      share_with_mentor=bool(data.share_with_mentor))


def create_entry(user: User, data: EntryInput) -> JournalEntry:
    """Write a new entry for `user`. Raises InvalidEntry. Commits."""
    data = checked(user, data)
    entry = JournalEntry(user_id=user.id, kind=data.kind, title=data.title, body=data.body,
                         card_html=card_html(data.body), entry_date=data.entry_date,
                         share_with_mentor=data.share_with_mentor)
    db.session.add(entry)
    db.session.commit()
    return entry


def update_entry(user: User, entry: JournalEntry, data: EntryInput, *,
                 version: int) -> JournalEntry:
    """Save `data` over the entry if it is still at `version`, and bump the version.

    One conditional UPDATE, so two tabs saving at once can't both win. Raises InvalidEntry,
    or EntryChanged (holding the saved entry) when someone saved first. Commits.
    """
    data = checked(user, data)
    changed = db.session.execute(
        update(JournalEntry)
        .where(JournalEntry.id == entry.id, JournalEntry.user_id == user.id,
               JournalEntry.version == version)
        .values(kind=data.kind, title=data.title, body=data.body,
                card_html=card_html(data.body), entry_date=data.entry_date,
                share_with_mentor=data.share_with_mentor, version=JournalEntry.version + 1,
                updated_at=now_utc())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    db.session.refresh(entry)
    if not changed:
        raise EntryChanged(entry)
    return entry


def delete_entry(entry: JournalEntry) -> None:
    """Delete the entry for good (its thought record too). Commits."""
    db.session.delete(entry)
    db.session.commit()


def set_show_on_this_day(user: User, show: bool) -> None:
    """Turn Today's "On this day" card on or off. Commits."""
    user.show_on_this_day = show
    db.session.commit()


# --- Timeline and search ----------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last entry's sort key. The timeline sorts by (day, id), a
    search by (score, id), lower scores first: keyset paging, never OFFSET, so a page deep
    in five years of entries costs what the first one does."""

    key: str
    id: int

    @property
    def token(self) -> str:
        return f"{self.key}~{self.id}"

    @classmethod
    def read(cls, token: str, *, searching: bool) -> Cursor:
        """The cursor in a page link. Raises BadCursor."""
        key, _, entry_id = (token or "").partition("~")
        try:
            if searching:
                score = float(key)
                if not math.isfinite(score):
                    raise ValueError(key)
            else:
                date.fromisoformat(key)
            number = int(entry_id)
        except ValueError:
            raise BadCursor(token) from None
        if not 0 < number < 2**31:
            raise BadCursor(token)
        return cls(key=key, id=number)

    @property
    def day(self) -> date:
        return date.fromisoformat(self.key)

    @property
    def score(self) -> float:
        return float(self.key)


@dataclass(frozen=True)
class JournalItem:
    entry: JournalEntry
    # For search results: the title and a piece of the body with the matches marked.
    title_html: Markup | None = None
    snippet_html: Markup | None = None
    # A reflection's "kinder way to see it", from its thought record (the card shows it).
    balanced_thought: str | None = None


@dataclass(frozen=True)
class JournalPage:
    items: list[JournalItem]
    next_before: Cursor | None
    query: str = ""
    kind: str | None = None

    @property
    def searching(self) -> bool:
        return bool(search_terms(self.query))


def search_terms(query: str | None) -> list[str]:
    """The words of a search, stripped of every operator and quote."""
    return [term[:TERM_MAX] for term in _TERM.findall(query or "")][:TERMS_MAX]


def _prefix_last(query: str) -> bool:
    """Still typing the last word (no space after it): match it as a prefix."""
    return bool(query) and not query[-1].isspace()


# The journal's statements are built once for each shape (a kind or not, a cursor or not;
# a search on each database), with bound parameters for the values: building one costs more
# Python than running it.
@cache
def _timeline_statement(by_kind: bool, after_cursor: bool) -> Select:
    stmt = (
        select(JournalEntry, ThoughtRecord.balanced_thought)
        .outerjoin(ThoughtRecord, ThoughtRecord.entry_id == JournalEntry.id)
        .where(JournalEntry.user_id == bindparam("user_id"))
    )
    if by_kind:
        stmt = stmt.where(JournalEntry.kind == bindparam("kind"))
    if after_cursor:
        stmt = stmt.where(or_(
            JournalEntry.entry_date < bindparam("day"),
            and_(JournalEntry.entry_date == bindparam("day"),
                 JournalEntry.id < bindparam("before_id")),
        ))
    return (stmt.order_by(JournalEntry.entry_date.desc(), JournalEntry.id.desc())
            .limit(bindparam("limit")))


def timeline(user: User, *, kind: str | None = None, before: Cursor | None = None,
             limit: int = PAGE_SIZE) -> JournalPage:
    """The user's entries, newest day first (of `kind` only, when given), starting after
    `before`. One query: the page's entries with their thought records' balanced thought."""
    params: dict[str, object] = {"user_id": user.id, "kind": kind, "limit": limit + 1}
    if before is not None:
        params |= {"day": before.day, "before_id": before.id}
    rows = db.session.execute(
        _timeline_statement(bool(kind), before is not None), params).all()
    last = rows[limit - 1][0] if len(rows) > limit else None
    return JournalPage(
        items=[JournalItem(entry, balanced_thought=thought) for entry, thought in rows[:limit]],
        next_before=Cursor(last.entry_date.isoformat(), last.id) if last else None,
        kind=kind,
    )


def search_entries(user: User, query: str, *, kind: str | None = None,
                   limit: int = PAGE_SIZE, before: Cursor | None = None) -> JournalPage:
    """The user's entries that match `query`, best match first, with the matches marked.

    Any text is a valid query: only its words are searched for (all of them; the last as a
    prefix while the user is still typing it). SQLite ranks with FTS5's bm25, PostgreSQL
    with ts_rank; both with the title weighing more than the body. Highlights are escaped
    before they are marked. A query with no words gives no results.

    One statement in two steps: the page's ids and scores (every match is ranked, which
    is what ranking means), then the highlights and snippets of those rows only, not of
    every match, which made a search cost more the longer the journal.
    """
    terms = search_terms(query)
    if not terms:
        return JournalPage(items=[], next_before=None, query=query, kind=kind)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    params: dict[str, object] = {
        "words": (_tsquery_text if postgres else _fts_match_text)(terms, _prefix_last(query)),
        "user_id": user.id, "kind": kind, "limit": limit + 1,
    }
    if before is not None:
        params |= {"score": before.score, "before_id": before.id}
    rows = db.session.execute(
        _search_statement(postgres, bool(kind), before is not None), params).all()
    last = rows[limit - 1] if len(rows) > limit else None
    return JournalPage(
        items=[JournalItem(entry, title_html=highlight(title) if entry.title else None,
                           snippet_html=highlight(snippet_text(snippet)),
                           balanced_thought=thought)
               for entry, _score, title, snippet, thought in rows[:limit]],
        next_before=Cursor(repr(float(last.score)), last[0].id) if last else None,
        query=query, kind=kind,
    )


@cache
def _search_statement(postgres: bool, by_kind: bool, after_cursor: bool) -> Select:
    search = _postgres_search() if postgres else _sqlite_search()
    ranked = search.ranked.where(JournalEntry.user_id == bindparam("user_id"))
    if by_kind:
        ranked = ranked.where(JournalEntry.kind == bindparam("kind"))
    if after_cursor:
        score, before_score = search.score, bindparam("score", type_=Double)
        ranked = ranked.where(or_(score > before_score, and_(
            score == before_score, JournalEntry.id < bindparam("before_id"))))
    page = (ranked.order_by(search.score, JournalEntry.id.desc()).limit(bindparam("limit"))
            .subquery("page"))
    return (
        search.marked(page)
        .join(JournalEntry, JournalEntry.id == page.c.id)
        .outerjoin(ThoughtRecord, ThoughtRecord.entry_id == JournalEntry.id)
        .add_columns(ThoughtRecord.balanced_thought)
        .order_by(page.c.score, JournalEntry.id.desc())
    )


@dataclass(frozen=True)
class _Search:
    """A search on one database: `ranked` selects the matches' id and score (lower is
    better) from journal_entries; `marked(page)` selects each entry of the subquery `page`
    (its id and score) with its score, marked title and snippet."""

    score: ColumnElement
    ranked: Select
    marked: Callable[[Subquery], Select]


def _fts_match_text(terms: list[str], prefix: bool) -> str:
    """FTS5: each word quoted (so NEAR, AND, OR are words too), the last one a prefix."""
    quoted = [f'"{term}"' for term in terms]
    if prefix:
        quoted[-1] += "*"
    return " ".join(quoted)


def _sqlite_search() -> _Search:
    """FTS5, matching the bound parameter `words` (`_fts_match_text`). highlight() and
    snippet() need the MATCH in their own query, so the marking step matches again,
    limited to the page's rowids."""
    fts = literal_column(FTS_TABLE)
    match = fts.op("MATCH")(bindparam("words", type_=String))
    score = func.bm25(fts, 10.0, 1.0)
    ranked = (
        select(JournalEntry.id, score.label("score"))
        .select_from(fts_table)
        .join(JournalEntry, JournalEntry.id == fts_table.c.rowid)
        .where(match)
    )

    def marked(page: Subquery) -> Select:
        return (
            select(JournalEntry, page.c.score,
                   func.highlight(fts, 0, MARK_START, MARK_END),
                   func.snippet(fts, 1, MARK_START, MARK_END, "…", 24))
            .select_from(page)
            .join(fts_table, fts_table.c.rowid == page.c.id)
            .where(match)
        )

    return _Search(score=score, ranked=ranked, marked=marked)


def _tsquery_text(terms: list[str], prefix: bool) -> str:
    """tsquery: the words joined by &, the last one with :* (a prefix)."""
    words = list(terms)
    if prefix:
        words[-1] += ":*"
    return " & ".join(words)


def _postgres_search() -> _Search:
    """tsquery of the bound parameter `words` (`_tsquery_text`)."""
    tsquery = func.to_tsquery(PG_CONFIG, bindparam("words", type_=String))
    document = search_document()
    # ts_rank is higher for a better match; negated, so lower is better on both databases.
    # As double precision: a real travels as its shortest text, which read back as a Python
    # float is not the same number, and the page cursor compares scores for equality.
    score = -cast(func.ts_rank(document, tsquery), Double)
    ranked = select(JournalEntry.id, score.label("score")).where(document.op("@@")(tsquery))
    marks = f"StartSel={MARK_START}, StopSel={MARK_END}"

    def marked(page: Subquery) -> Select:
        return select(
            JournalEntry, page.c.score,
            func.ts_headline(PG_CONFIG, func.coalesce(JournalEntry.title, ""), tsquery,
                             f"{marks}, HighlightAll=true"),
            func.ts_headline(PG_CONFIG, JournalEntry.body, tsquery,
                             f"{marks}, MaxWords=30, MinWords=12, MaxFragments=2, "
                             'FragmentDelimiter=" … "'),
        ).select_from(page)

    return _Search(score=score, ranked=ranked, marked=marked)


def journal_page(user: User, query: str = "", *, kind: str | None = None,
                 before: Cursor | None = None) -> JournalPage:
    """What the journal shows: the search results when the query has words, else the
    timeline."""
    if search_terms(query):
        return search_entries(user, query, kind=kind, before=before)
    return timeline(user, kind=kind, before=before)


def read_cursor(token: str | None, query: str) -> Cursor | None:
    """The cursor of a page link, for a search or the timeline. Raises BadCursor."""
    if not token:
        return None
    return Cursor.read(token, searching=bool(search_terms(query)))


# --- Interview questions to practise ------------------------------------------------------


def interview_questions(entry: JournalEntry) -> list[str]:
    """The questions an interview debrief lists: the lines under "Questions they asked"
    (up to the next heading), or, without that heading, every line ending in "?"."""
    if entry.kind != "interview":
        return []
    lines = entry.body.split("\n")
    start = next((n for n, line in enumerate(lines)
                  if _HEADING.match(line) and QUESTIONS_HEADING.lower() in line.lower()), None)
    if start is None:
        found = [line for line in lines if line.strip().endswith("?")]
    else:
        found = []
        for line in lines[start + 1:]:
            if _HEADING.match(line):
                break
            found.append(line)
    questions: dict[str, str] = {}
    for line in found:
        text = " ".join(_LIST_MARKER.sub("", line).split())[:QUESTION_MAX]
        if text:
            questions.setdefault(_question_key(text), text)
    return list(questions.values())


def _question_key(question: str) -> str:
    """How questions compare: case, spacing and a final "?" don't make a new one."""
    return " ".join(question.split()).casefold().rstrip("?").strip()


def send_questions_to_practice(user: User, entry: JournalEntry) -> tuple[int, int]:
    """Add the debrief's questions to the user's practice questions (source "interview"),
    skipping any the user already has, whatever its source. Returns (added, already there).
    Commits."""
    questions = interview_questions(entry)
    known = {_question_key(q) for q in db.session.scalars(
        select(PracticeQuestion.question).where(PracticeQuestion.user_id == user.id))}
    new = [q for q in questions if _question_key(q) not in known]
    for question in new:
        db.session.add(PracticeQuestion(user_id=user.id, question=question, source="interview",
                                        application_id=entry.application_id))
    db.session.commit()
    return len(new), len(questions) - len(new)


# --- On this day ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RememberedWin:
    """The small win "On this day" shows: only what the card needs of the entry."""

    id: int
    title: str | None
    body: str


@dataclass(frozen=True)
class OnThisDay:
    """Something good from this day of an earlier month or year: a small win written that
    day, or else a day whose check-ins averaged "good" or better."""

    day: date
    today: date
    win: RememberedWin | None = None
    mood: float | None = None
    checkins: int = 0

    @property
    def months_ago(self) -> int:
        return (self.today.year - self.day.year) * 12 + self.today.month - self.day.month

    @property
    def when(self) -> str:
        """"A month ago", "3 months ago", "A year ago", "2 years ago"."""
        months = self.months_ago
        if months % 12 == 0:
            years = months // 12
            return "A year ago" if years == 1 else f"{years} years ago"
        return "A month ago" if months == 1 else f"{months} months ago"


def same_day_before(today: date, years: int = ON_THIS_DAY_YEARS) -> list[date]:
    """This day of the month in each earlier month of the last `years` years (a month
    without that day, say the 31st, is skipped), newest first."""
    days = []
    for back in range(1, years * 12 + 1):
        month_index = today.year * 12 + today.month - 1 - back
        try:
            day = date(month_index // 12, month_index % 12 + 1, today.day)
        except ValueError:
            continue
        if day >= EARLIEST_DAY:
            days.append(day)
    return days


def _best(days: list[date], today: date) -> date | None:
    """The newest anniversary (same month and day), else the newest day."""
    same_date = [day for day in days if day.month == today.month]
    return max(same_date or days, default=None)


def _on_this_day_rows():
    """Wins and good days in one statement: UNION ALL of the wins on the candidate days
    and the days whose check-ins averaged good, each row saying which."""
    days = bindparam("days", expanding=True)
    wins = select(
        JournalEntry.entry_date.label("day"),
        JournalEntry.id.label("win_id"),
        JournalEntry.title,
        JournalEntry.body,
        cast(null(), Double).label("mood"),
        cast(null(), Integer).label("n"),
    ).where(JournalEntry.user_id == bindparam("user_id"), JournalEntry.kind == "small_win",
            JournalEntry.entry_date.in_(days))
    average = func.avg(MoodCheckin.mood)
    good_days = (
        select(MoodCheckin.local_date, cast(null(), Integer), cast(null(), String),
               cast(null(), Text), cast(average, Double), func.count())
        .where(MoodCheckin.user_id == bindparam("user_id"), MoodCheckin.local_date.in_(days))
        .group_by(MoodCheckin.local_date)
        .having(average >= GOOD_DAY_MOOD)
    )
    return union_all(wins, good_days)


# Built once with bound parameters: Today runs it on every visit, and building it cost more
# Python than running it.
ON_THIS_DAY_ROWS = _on_this_day_rows()


def on_this_day(user: User, today: date | None = None) -> OnThisDay | None:
    """A good memory for Today, or None: when the user turned the card off, or nothing good
    happened on this day before. Only wins and good days, never a hard one. One statement
    of two indexed parts (entries by user, kind and day; check-ins by user and day)."""
    if not user.show_on_this_day:
        return None
    today = today or local_today(user.timezone)
    candidates = same_day_before(today)
    if not candidates:
        return None
    rows = db.session.execute(
        ON_THIS_DAY_ROWS, {"user_id": user.id, "days": candidates}).all()
    found = [row for row in rows if row.win_id is not None]
    day = _best([row.day for row in found], today)
    if day is not None:
        # The newest win of that day, as the card always showed.
        row = max((row for row in found if row.day == day), key=lambda row: row.win_id)
        return OnThisDay(day=day, today=today,
                         win=RememberedWin(id=row.win_id, title=row.title, body=row.body))
    good = {row.day: row for row in rows if row.win_id is None}
    day = _best(list(good), today)
    if day is None:
        return None
    return OnThisDay(day=day, today=today, mood=float(good[day].mood), checkins=good[day].n)
