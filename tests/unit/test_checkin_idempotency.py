"""A check-in sent twice is one check-in; an id reused for other answers is refused
(TRUST.md OFF-01..04). Services against the real database, no HTTP."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from webapp.checkins import services
from webapp.checkins.services import CheckinConflict, CheckinInput, InvalidCheckin
from webapp.extensions import db
from webapp.models import CheckinEmotion, MoodCheckin, User


@pytest.fixture
def user(app, alice_id):
    with app.app_context():
        yield db.session.get(User, alice_id)


def count(model) -> int:
    return db.session.query(model).count()


def test_the_same_check_in_twice_is_one_row(user):
    key = str(uuid.uuid4())
    data = CheckinInput(mood=4, emotions=("hopeful", "calm"), note="Good call today")
    first, created = services.record_checkin(user, key, data)
    again, created_again = services.record_checkin(user, key, data)
    assert created and not created_again
    assert first.id == again.id
    # The saved check-in holds its feelings without asking for them again (record_checkin).
    assert first.emotion_keys == ["calm", "hopeful"]
    assert count(MoodCheckin) == 1
    assert count(CheckinEmotion) == 2


def test_emotion_order_does_not_make_a_different_check_in(user):
    key = str(uuid.uuid4())
    services.record_checkin(user, key, CheckinInput(mood=3, emotions=("anxious", "hopeful")))
    _, created = services.record_checkin(user, key, CheckinInput(mood=3, emotions=("hopeful", "anxious")))
    assert not created


@pytest.mark.parametrize(
    "other",
    [CheckinInput(mood=2), CheckinInput(mood=4, note="different"), CheckinInput(mood=4, energy=5)],
)
def test_reusing_an_id_for_other_answers_is_refused_and_changes_nothing(user, other):
    key = str(uuid.uuid4())
    original, _ = services.record_checkin(user, key, CheckinInput(mood=4))
    with pytest.raises(CheckinConflict):
        services.record_checkin(user, key, other)
    db.session.refresh(original)
    assert original.mood == 4 and original.note is None and original.energy is None
    assert count(MoodCheckin) == 1


def test_ids_are_per_user(app, bob_id, user):
    key = str(uuid.uuid4())
    services.record_checkin(user, key, CheckinInput(mood=4))
    bob = db.session.get(User, bob_id)
    _, created = services.record_checkin(bob, key, CheckinInput(mood=1))
    assert created
    assert count(MoodCheckin) == 2


def test_a_replay_a_month_later_still_dedupes(user):
    key = str(uuid.uuid4())
    services.record_checkin(user, key, CheckinInput(mood=5))
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31)):
        _, created = services.record_checkin(user, key, CheckinInput(mood=5))
    assert not created and count(MoodCheckin) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (CheckinInput(mood=0), "Mood"),
        (CheckinInput(mood=6), "Mood"),
        (CheckinInput(mood=3, energy=9), "Energy"),
        (CheckinInput(mood=3, emotions=("hopeful", "smug")), "feelings"),
        (CheckinInput(mood=3, note="x" * 501), "500"),
        (CheckinInput(mood=3, day=date(2999, 1, 1)), "future"),
    ],
)
def test_bad_check_ins_are_refused_and_nothing_is_written(user, data, message):
    with pytest.raises(InvalidCheckin, match=message):
        services.record_checkin(user, str(uuid.uuid4()), data)
    db.session.rollback()
    assert count(MoodCheckin) == 0


def test_a_check_in_sent_later_lands_on_the_day_it_was_made(user):
    # Alice is in London; a check-in made at 23:50 her time arrives after midnight.
    with time_machine.travel(datetime(2026, 11, 26, 0, 20, tzinfo=UTC)):
        made = datetime(2026, 11, 25, 23, 50, tzinfo=UTC)
        checkin, _ = services.record_checkin(
            user, str(uuid.uuid4()), CheckinInput(mood=3, client_created_at=made)
        )
    assert checkin.local_date == date(2026, 11, 25)
    assert checkin.checked_in_at == made


def test_times_too_far_from_now_are_refused(user):
    now = datetime.now(UTC)
    for sent in (now + timedelta(days=2), now - timedelta(days=31)):
        with pytest.raises(InvalidCheckin):
            services.record_checkin(
                user, str(uuid.uuid4()), CheckinInput(mood=3, client_created_at=sent)
            )


def test_a_clock_running_fast_never_makes_a_future_day(user):
    with time_machine.travel(datetime(2026, 11, 25, 23, 55, tzinfo=UTC)):
        checkin, _ = services.record_checkin(
            user,
            str(uuid.uuid4()),
            CheckinInput(mood=3, client_created_at=datetime(2026, 11, 26, 0, 10, tzinfo=UTC)),
        )
    assert checkin.local_date == date(2026, 11, 25)


def test_today_follows_the_users_time_zone(app, make_user):
    with app.app_context():
        kiwi = db.session.get(User, make_user("kiwi@example.com", timezone="Pacific/Auckland"))
        with time_machine.travel(datetime(2026, 11, 25, 11, 30, tzinfo=UTC)):
            checkin, _ = services.record_checkin(kiwi, str(uuid.uuid4()), CheckinInput(mood=4))
        assert checkin.local_date == date(2026, 11, 26)


def test_back_dated_check_ins_sit_at_local_noon(user):
    checkin, _ = services.record_checkin(
        user, str(uuid.uuid4()), CheckinInput(mood=2, day=date(2026, 3, 29))
    )
    assert checkin.local_date == date(2026, 3, 29)
    assert checkin.checked_in_at == datetime(2026, 3, 29, 11, 0, tzinfo=UTC)
