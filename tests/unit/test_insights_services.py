"""Insights' numbers without HTTP: no data at all, the 7-day average, the year in pixels,
self-care with and without, one rejection, a rejection on the very first day, "not yet",
"you bounce back faster" only when it is true, what works and its words, days this month,
the care card, and days on the user's own calendar across time zones and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests import factories
from tests.integration.guards_support import counting_statements
from webapp.config import DEFAULT_HELP_RESOURCES, help_resources
from webapp.insights import services as insights
from webapp.insights.services import DayMood, Recovery, Resilience, Share

# Wednesday 10 June 2026, midday in London.
NOW = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)
TODAY = date(2026, 6, 10)


@pytest.fixture
def ctx(app):
    with time_machine.travel(NOW, tick=False), app.app_context():
        yield


@pytest.fixture
def user(ctx):
    return factories.make_user(name="Robin")


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def daily(moods: dict[date, float]) -> dict[date, DayMood]:
    return {day: DayMood(day, float(mood), 1) for day, mood in moods.items()}


# --- No data ---------------------------------------------------------------------------------


def test_a_new_account_has_kind_empty_insights_and_no_care_card(user):
    page = insights.insights_page(user, 30)
    assert page.today == TODAY
    assert page.trend.days_with_checkins == 0
    assert page.trend.days == [ago(n) for n in range(29, -1, -1)]
    assert set(page.trend.averages) == {None} and set(page.trend.smoothed) == {None}
    assert page.trend.summary == "No check-ins in the last 30 days yet."
    assert page.trend.table_rows == []
    assert page.pixels.days_checked_in == 0 and page.pixels.most_common is None
    assert "No check-ins yet" in page.pixels.summary
    assert len(page.pixels.months) == 12
    assert page.pixels.months[-1].month == date(2026, 6, 1)
    assert page.pixels.months[0].month == date(2025, 7, 1)
    assert len(page.self_care.habits) == 4 and page.self_care.shown == []
    assert page.resilience.recoveries == [] and page.resilience.faster is None
    assert page.what_works.applications == 0 and page.what_works.shown == []
    assert page.what_works.excitement_shown == []
    assert page.what_works.summary == "Not enough applications in each group to compare yet."
    assert page.consistency.days_this_month == 0
    assert insights.care_card(user) is None


def test_the_page_costs_four_queries_with_or_without_data(app, user):
    with counting_statements(app) as empty:
        insights.insights_page(user, 365)
    factories.seed_a_search(user, days=60)
    with counting_statements(app) as full:
        insights.insights_page(user, 365)
    assert len(empty) == len(full) == 4, full


# --- Mood over time and the 7-day average -------------------------------------------------------


def test_several_check_ins_make_one_daily_average_and_days_weigh_the_same(user):
    factories.mood_days(user, {ago(2): (1, 2, 3), ago(1): 5})
    by_day = insights.daily_moods(user, ago(10), TODAY)
    assert by_day[ago(2)] == DayMood(ago(2), 2.0, 3)
    assert by_day[ago(1)].average == 5.0
    trend = insights.mood_trend(by_day, TODAY, 30)
    assert trend.overall == pytest.approx(3.5)  # (2 + 5) / 2, not (1+2+3+5) / 4
    assert trend.days_with_checkins == 2


def test_the_moving_average_needs_three_days_in_its_week():
    by_day = daily({ago(8): 1, ago(6): 2, ago(5): 4, ago(1): 3})
    assert insights.moving_average(by_day, ago(6)) is None  # ago(8) and ago(6): two days
    assert insights.moving_average(by_day, ago(5)) == pytest.approx(7 / 3)
    # The window is the 7 days ending on the day: ago(6) .. today.
    assert insights.moving_average(by_day, TODAY) == pytest.approx(3.0)
    assert insights.moving_average(by_day, ago(-1)) is None  # ago(6) has left the window


def test_the_average_of_the_first_days_uses_the_week_before_the_range(user):
    factories.mood_days(user, {ago(31): 2, ago(30): 2, ago(29): 5})
    trend = insights.mood_over_time(user, 30)
    assert trend.first == ago(29)
    assert trend.smoothed[0] == pytest.approx(3.0)


def test_the_summary_says_which_way_the_week_average_went():
    rising = insights.mood_trend(daily({ago(n): 2 if n > 10 else 4 for n in range(20)}), TODAY, 30)
    assert "rose from 2.0 to 4.0" in rising.summary
    easing = insights.mood_trend(daily({ago(n): 4 if n > 10 else 2 for n in range(20)}), TODAY, 30)
    assert "eased from 4.0 to 2.0" in easing.summary
    steady = insights.mood_trend(daily({ago(n): 3 for n in range(20)}), TODAY, 30)
    assert "stayed about the same, near 3.0" in steady.summary
    assert steady.summary.startswith("20 days with a check-in in the last 30 days")


def test_the_year_table_goes_week_by_week():
    trend = insights.mood_trend(daily({ago(n): 1 + n % 5 for n in range(0, 365, 2)}), TODAY, 365)
    rows = trend.table_rows
    assert {kind for kind, *_ in rows} == {"week"}
    assert len(rows) == 53 and rows[0][1] == trend.first
    short = insights.mood_trend(daily({ago(3): 4, ago(1): 2}), TODAY, 90)
    assert short.table_rows == [("day", ago(3), 4.0, 1), ("day", ago(1), 2.0, 1)]


def test_only_the_offered_ranges_are_accepted():
    assert insights.parse_range(None) == 30
    assert [insights.parse_range(v) for v in ("30", "90", "365")] == [30, 90, 365]
    for bad in ("7", "", "abc", "365.0", "-30", "3650"):
        assert insights.parse_range(bad) is None


@pytest.mark.parametrize(("average", "word"), [(1.0, "awful"), (1.49, "awful"), (1.5, "bad"),
                                               (2.5, "okay"), (3.5, "good"), (4.5, "great"),
                                               (5.0, "great")])
def test_an_average_reads_as_the_nearest_mood_halves_up(average, word):
    assert insights.mood_word(average) == word


# --- A year in pixels ---------------------------------------------------------------------------


def test_pixels_are_coloured_by_the_days_average_and_stop_today():
    by_day = daily({date(2026, 6, 1): 1, date(2026, 6, 2): 2.5, date(2026, 6, 10): 5,
                    date(2025, 7, 1): 4, date(2025, 6, 30): 3})  # before the twelve months
    pixels = insights.year_in_pixels(by_day, TODAY)
    june = pixels.months[-1]
    assert june.levels[:3] == [1, 3, 0]
    assert june.levels[9] == 5 and june.levels[10:] == [None] * 20
    assert june.days_checked_in == 3 and june.average == pytest.approx(8.5 / 3)
    assert pixels.months[0].levels[0] == 4
    assert [len(m.levels) for m in pixels.months][7] == 28  # February 2026
    assert pixels.days_checked_in == 4
    assert pixels.most_common == 5  # a tie of single days: the higher mood is named


def test_pixels_cover_a_leap_february():
    pixels = insights.year_in_pixels({}, date(2028, 3, 5))
    assert [(m.month, len(m.levels)) for m in pixels.months][-2] == (date(2028, 2, 1), 29)


# --- Self-care and mood ----------------------------------------------------------------------------


def test_a_habit_is_compared_with_three_days_with_and_three_without(user):
    walk = factories.make_habit(user, "Walk")
    moods = {ago(n): 4 if n < 3 else 2 for n in range(6)}
    factories.mood_days(user, moods)
    for n in range(3):
        factories.mark_done(user, walk, ago(n))
    factories.mark_done(user, walk, ago(20))  # a day without a check-in: not counted
    result = insights.self_care_vs_mood(user, insights.daily_moods(user, ago(400), TODAY), TODAY)
    [habit] = [h for h in result.habits if h.name == "Walk"]
    assert (habit.with_days, habit.with_average) == (3, 4.0)
    # Without: days with a check-in since the first tick (ago(20)), minus the days with it.
    assert (habit.without_days, habit.without_average) == (3, 2.0)
    assert habit.enough and result.shown == [habit]
    assert habit.words == ("On the 3 days with “Walk” your mood averaged 4.0 (good); on the "
                           "3 days without it, 2.0 (bad).")


def test_a_habit_with_two_days_either_way_is_not_shown(user):
    walk = factories.make_habit(user, "Walk")
    factories.mood_days(user, {ago(n): 3 for n in range(5)})
    for day in (ago(0), ago(1), ago(20)):
        factories.mark_done(user, walk, day)
    result = insights.self_care_vs_mood(user, insights.daily_moods(user, ago(400), TODAY), TODAY)
    [habit] = [h for h in result.habits if h.name == "Walk"]
    assert (habit.with_days, habit.without_days) == (2, 3)
    assert not habit.enough and result.shown == []
    assert result.summary == "Not enough days yet to compare."


def test_days_before_a_habit_existed_are_not_days_without_it(user):
    # The habit is made today and ticked today only: the week of check-ins before it is not
    # "a week without it".
    factories.mood_days(user, {ago(n): 3 for n in range(7)})
    new = factories.make_habit(user, "Stretch")
    factories.mark_done(user, new, TODAY)
    result = insights.self_care_vs_mood(user, insights.daily_moods(user, ago(400), TODAY), TODAY)
    [habit] = [h for h in result.habits if h.name == "Stretch"]
    assert (habit.with_days, habit.without_days) == (1, 0)


# --- Resilience ---------------------------------------------------------------------------------


def test_one_rejection_usual_mood_and_days_until_back(user):
    before = {ago(20 + n): mood for n, mood in enumerate((4, 3, 5, 4, 4, 3, 4))}
    factories.mood_days(user, {**before, ago(13): 2, ago(12): 1, ago(11): (3, 5), ago(10): 4})
    factories.make_rejection(user, ago(13), company="Acme", role="Designer")
    page = insights.insights_page(user, 30)
    [recovery] = page.resilience.recoveries
    assert recovery.day == ago(13) and recovery.company == "Acme" and recovery.role == "Designer"
    assert recovery.usual == 4  # the median of the 14 days before
    assert recovery.days == 2  # ago(11) averages 4.0
    assert page.resilience.faster is None
    assert "three or more to compare" in page.resilience.trend_words
    assert "back to your usual mood after 2 days" in page.resilience.summary


def test_a_rejection_on_the_first_day_has_no_usual_mood_yet(user):
    factories.mood_days(user, {ago(5): 1, ago(4): 4})
    factories.make_rejection(user, ago(5))
    result = insights.insights_page(user, 30).resilience
    [recovery] = result.recoveries
    assert recovery.usual is None and recovery.days is None and not recovery.measurable
    assert result.measurable == [] and result.faster is None
    assert result.summary == "No rejections with enough check-ins around them to show yet."


def test_a_mood_not_back_yet_says_not_yet(user):
    factories.mood_days(user, {ago(n): 4 for n in range(10, 14)})
    factories.mood_days(user, {ago(n): 2 for n in range(0, 10)})
    factories.make_rejection(user, ago(9))
    [recovery] = insights.insights_page(user, 30).resilience.recoveries
    assert (recovery.usual, recovery.days, recovery.days_since) == (4, None, 9)


def test_a_mood_that_never_dipped_is_back_the_same_day():
    by_day = daily({ago(3): 3, ago(2): 3, ago(1): 3, TODAY: 3})
    assert insights.recovery_after(TODAY, by_day, TODAY) == (3, 0)


def test_the_usual_mood_needs_three_days_in_the_fortnight_before():
    by_day = daily({ago(15): 5, ago(14): 4, ago(2): 4, TODAY: 4})  # ago(15) is too early
    assert insights.recovery_after(TODAY, by_day, TODAY) == (None, None)
    by_day[ago(1)] = DayMood(ago(1), 5.0, 1)
    assert insights.recovery_after(TODAY, by_day, TODAY) == (4.0, 0)


def rejections(*days: int | None, since: int = 30) -> Resilience:
    """Measurable rejections in order, each back after `days` (None: not yet)."""
    return Resilience([Recovery(day=ago(100 - 10 * n), company="Co", role="Role", usual=3.5,
                                days=d, days_since=since) for n, d in enumerate(days)])


def test_you_bounce_back_faster_only_when_it_is_true():
    faster = rejections(6, 5, 2, 1)
    assert faster.faster == (5.5, 1.5)
    assert faster.trend_words == ("You bounce back faster: lately in about 2 days, where it "
                                  "used to take about 6 days.")
    assert rejections(1, 2, 5, 6).faster is None  # slower
    assert rejections(3, 3, 3).faster is None  # the same
    assert rejections(4, 3, 3, 3.5).faster is None  # less than a day quicker
    assert rejections(6, 5).faster is None  # too few to call it a trend
    assert rejections(6, 5, 1, None).faster is None  # the latest could still take longer
    assert "Some take longer than others" in rejections(1, 2, 5, 6).trend_words


def test_an_earlier_not_yet_counts_as_the_days_it_has_lasted():
    # An earlier rejection still open after 30 days took at least that long.
    assert rejections(None, 1, 1, since=30).faster == (30, 1)
    same_day = rejections(5, 4, 0, 0)
    assert same_day.faster == (4.5, 0)
    assert "lately within the same day" in same_day.trend_words


def test_rejections_that_cannot_be_measured_are_left_out_of_the_trend():
    result = Resilience([
        Recovery(ago(90), "Co", "Role", None, None, 90),
        *rejections(6, 5, 1).recoveries,
    ])
    assert len(result.measurable) == 3 and result.faster == (6, 3)


# --- What works for you -------------------------------------------------------------------------


def test_tailored_applications_compared_in_plain_words(user):
    for n in range(5):
        factories.make_sent_application(user, reached=3 if n < 3 else 1, resume_tailored=True)
    for n in range(5):
        factories.make_sent_application(user, reached=4 if n == 0 else 1, resume_tailored=False)
    factories.make_sent_application(user, reached=3, resume_tailored=None)  # unknown: left out
    factories.make_application_row(user, "Only saved")  # never sent: left out
    what = insights.what_works(user)
    assert what.applications == 11
    resume, letter = what.comparisons
    assert (resume.with_.applications, resume.with_.interviews) == (5, 3)
    assert (resume.without.applications, resume.without.interviews) == (5, 1)
    assert what.shown == [resume] and not letter.enough
    assert resume.words == ("Applications with a tailored résumé reached an interview 3 times "
                            "as often as those without (3 of 5, against 1 of 5).")


def test_four_applications_in_a_group_are_not_enough(user):
    for _ in range(5):
        factories.make_sent_application(user, reached=3, cover_letter_tailored=True)
    for _ in range(4):
        factories.make_sent_application(user, reached=1, cover_letter_tailored=False)
    assert insights.what_works(user).shown == []


def test_excitement_groups_need_five_each_and_two_groups(user):
    for n in range(6):
        factories.make_sent_application(user, reached=3 if n < 4 else 1, excitement=5 - n % 2)
    for n in range(5):
        factories.make_sent_application(user, reached=3 if n < 2 else 1, excitement=1 + n % 2)
    factories.make_sent_application(user, excitement=3)
    what = insights.what_works(user)
    low, middle, high = what.excitement
    assert (low.counts, middle.counts, high.counts) == ("2 of 5", "0 of 1", "4 of 6")
    assert what.excitement_shown == [low, high]
    assert what.excitement_words == (
        "Applications you were excited about reached an interview 1.5 times as often as "
        "those you were less excited about (4 of 6, against 2 of 5).")


@pytest.mark.parametrize(("with_", "without", "words"), [
    ((6, 10), (2, 10), "3 times as often as"),
    ((4, 10), (2, 10), "twice as often as"),
    ((3, 10), (2, 10), "1.5 times as often as"),
    ((5, 20), (2, 10), "a little more often than"),
    ((2, 10), (2, 10), "about as often as"),
    ((1, 10), (2, 10), "less often than"),
])
def test_how_often_in_words(with_, without, words):
    a, b = Share("with", with_[1], with_[0]), Share("without", without[1], without[0])
    assert insights.how_often(a.rate / b.rate) == words


def test_none_reached_an_interview_without_it_is_said_without_dividing_by_zero():
    comparison = insights.Comparison("tailored cover letter", Share("w", 5, 2),
                                     Share("wo", 6, 0))
    assert comparison.words == ("2 of the 5 applications with a tailored cover letter reached "
                                "an interview; none of the 6 without one has yet.")
    nobody = insights.Comparison("tailored résumé", Share("w", 5, 0), Share("wo", 5, 0))
    assert nobody.words.startswith("No application has reached an interview yet")


# --- Consistency without guilt -----------------------------------------------------------------


def test_days_checked_in_this_month_count_days_not_check_ins(user):
    factories.mood_days(user, {date(2026, 5, 31): 3, date(2026, 6, 1): (3, 4), ago(0): 2})
    assert insights.insights_page(user, 30).consistency.days_this_month == 2


# --- Time zones and daylight saving ------------------------------------------------------------


def test_today_is_the_users_own_day_in_auckland(app):
    # 13:00 UTC on 10 June is 01:00 on 11 June in Auckland (UTC+12).
    with time_machine.travel(datetime(2026, 6, 10, 13, 0, tzinfo=UTC), tick=False), \
            app.app_context():
        kiwi = factories.make_user(name="Aroha", timezone="Pacific/Auckland")
        londoner = factories.make_user(name="Sam", timezone="Europe/London")
        for user in (kiwi, londoner):
            factories.make_checkin(user, 4)
        kiwi_page = insights.insights_page(kiwi, 30)
        assert kiwi_page.today == date(2026, 6, 11) and kiwi_page.trend.last == date(2026, 6, 11)
        assert kiwi_page.trend.averages[-1] == 4.0
        london_page = insights.insights_page(londoner, 30)
        assert london_page.trend.averages[-1] == 4.0 and london_page.trend.last == TODAY


def test_a_check_in_made_after_midnight_local_stays_on_that_local_day(app):
    # 30 June 23:30 UTC is 1 July 00:30 in London (summer time): a new month there.
    with time_machine.travel(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), tick=False), \
            app.app_context():
        user = factories.make_user(name="Robin")
        factories.make_checkin(user, 5)
        page = insights.insights_page(user, 30)
        assert page.today == date(2026, 7, 1)
        assert page.consistency.days_this_month == 1
        assert page.pixels.months[-1].month == date(2026, 7, 1)
        assert page.pixels.months[-1].levels[0] == 5


def test_days_across_the_clocks_going_forward_are_whole_days(app):
    # London's clocks went forward at 01:00 on 29 March 2026, a 23-hour day. A check-in at
    # 00:30 that night and one the next evening are one calendar day apart, and a rejection on
    # the 28th is "back after 2 days" on the 30th, not after some number of 24-hour spans.
    with time_machine.travel(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), tick=False), \
            app.app_context():
        user = factories.make_user(name="Robin")
        factories.mood_days(user, {date(2026, 3, 20 + n): 4 for n in range(7)})
        factories.mood_days(user, {date(2026, 3, 28): 1})
        factories.make_checkin(user, 2)  # 00:30 GMT on the 29th, just before the change
        factories.make_rejection(user, date(2026, 3, 28))
    with time_machine.travel(datetime(2026, 3, 30, 19, 0, tzinfo=UTC), tick=False), \
            app.app_context():
        factories.make_checkin(user, 4)  # 20:00 BST on the 30th
        page = insights.insights_page(user, 30)
        assert page.trend.days[-3:] == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
        assert page.trend.averages[-3:] == [1.0, 2.0, 4.0]
        [recovery] = page.resilience.recoveries
        assert (recovery.usual, recovery.days) == (4.0, 2)
        assert len(set(page.trend.days)) == 30


def test_the_clocks_going_back_do_not_make_a_day_twice(app):
    # London's clocks went back at 02:00 on 25 October 2026: 01:30 happened twice.
    with time_machine.travel(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), tick=False), \
            app.app_context():
        user = factories.make_user(name="Robin")
        factories.make_checkin(user, 3)  # 01:30 BST
    with time_machine.travel(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), tick=False), \
            app.app_context():
        factories.make_checkin(user, 5)  # 01:30 GMT, the second time round
        trend = insights.mood_over_time(user, 30)
        assert trend.last == date(2026, 10, 25)
        assert trend.averages[-1] == 4.0
        assert trend.days_with_checkins == 1


# --- The care card -----------------------------------------------------------------------------


def test_four_awful_check_ins_and_one_better_moment_still_show_the_card(user):
    factories.mood_days(user, {ago(n): m for n, m in enumerate((1, 1, 5, 1, 1))})
    assert insights.care_card(user).average == pytest.approx(1.8)


def test_the_care_card_shows_after_five_hard_check_ins(user):
    factories.mood_days(user, {ago(4): 2, ago(3): 2, ago(2): 1, ago(1): 2, TODAY: 2})
    card = insights.care_card(user)
    assert card is not None and card.average == pytest.approx(1.8)
    assert card.contacts == []  # nobody in People yet
    assert [r.text for r in card.resources] == [text for text, _ in DEFAULT_HELP_RESOURCES]


@pytest.mark.parametrize("moods", [
    (2, 2, 2, 2, 2),  # "bad" all week is 2.0: hard, but not the bottom of the scale
    (1, 1, 1, 1),  # four are too few to call it a stretch
    (1, 1, 1, 2, 5),  # a great moment lifts the average to 2.0
])
def test_the_care_card_stays_away_otherwise(user, moods):
    factories.mood_days(user, {ago(n): (m,) for n, m in enumerate(moods)})
    assert insights.care_card(user) is None


def test_the_care_card_looks_at_the_latest_five_only_and_recent_ones(user):
    factories.mood_days(user, {ago(20): 5, ago(19): 5})
    factories.mood_days(user, {ago(n): 1 for n in range(5)})
    assert insights.care_card(user) is not None
    assert insights.needs_care([(1, ago(n)) for n in range(4)] + [(1, ago(14))], TODAY) is None
    assert insights.needs_care([(1, ago(n)) for n in range(4)] + [(1, ago(13))], TODAY) == 1.0


def test_the_care_card_names_a_few_people_and_costs_one_query(app, user):
    factories.make_contact(user, "Priya", last_contacted_on=ago(30))
    factories.make_contact(user, "Jo", last_contacted_on=ago(2))
    factories.make_contact(user, "Sam")
    factories.make_contact(user, "Alex", last_contacted_on=ago(90))
    factories.mood_days(user, {ago(n): 1 for n in range(5)})
    other = factories.make_user(name="Someone")
    factories.make_contact(other, "Not yours", last_contacted_on=TODAY)
    with counting_statements(app) as statements:
        card = insights.care_card(user)
    assert card.contacts == ["Jo", "Priya", "Alex"]
    assert len(statements) == 1


def test_help_resources_come_from_the_setting():
    assert help_resources(None) == DEFAULT_HELP_RESOURCES
    assert help_resources("  ") == DEFAULT_HELP_RESOURCES
    assert help_resources("Call Sam\nA local group | https://example.org/help\n"
                          "Not a safe link | javascript:alert(1)\n\n") == (
        ("Call Sam", None),
        ("A local group", "https://example.org/help"),
        ("Not a safe link", None),
    )
    assert not any(ch.isdigit() for text, _ in DEFAULT_HELP_RESOURCES for ch in text)


def test_the_sliding_average_matches_the_day_by_day_one():
    by_day = daily({ago(n): 1 + (n * 7) % 5 for n in range(0, 400) if n % 3 and n % 11})
    days = [ago(n) for n in range(364, -1, -1)]
    assert insights.moving_averages(by_day, days) == pytest.approx(
        [insights.moving_average(by_day, d) for d in days])
    assert insights.moving_averages(by_day, []) == []


def test_the_chart_shows_the_latest_twelve_and_the_trend_counts_them_all():
    many = rejections(*([9] * 10 + [2] * 10))
    assert len(many.shown) == 12 and many.shown == many.recoveries[-12:]
    assert many.faster == (9, 2)
    assert many.summary.count("back to your usual mood after") == 12
