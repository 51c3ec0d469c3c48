"""The Insights page over HTTP: kind empty states, charts that parse and speak (title, desc, a
table each), the range switch as a page and as an htmx fragment, unknown ranges (404), the
same few queries for a week as for a year of data, the page weight, user text escaped; and
the low-mood care card on Today."""

from __future__ import annotations

import gzip
import html
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from tests import factories
from tests.integration.guards_support import counting_statements, with_user
from tests.integration.test_route_guards import QUERY_BUDGET
from webapp.timezones import local_today

SVG_TAG = re.compile(r"<svg xmlns=.*?</svg>", re.S)
CHARTS = ("mood-chart", "pixels-chart", "self-care-chart", "resilience-chart",
          "what-works-chart")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def charts_of(body: str) -> dict[str, ET.Element]:
    """Every chart on the page, parsed as XML (so each is well-formed), by id."""
    found = {}
    for markup in SVG_TAG.findall(body):
        svg = ET.fromstring(markup)  # noqa: S314 - our own markup, under test
        found[svg.get("id")] = svg
    return found


def spoken(svg: ET.Element) -> tuple[str, str]:
    """What a screen reader hears: the chart's name and description."""
    ns = "{http://www.w3.org/2000/svg}"
    by_id = {el.get("id"): el.text for el in svg if el.tag in (f"{ns}title", f"{ns}desc")}
    return by_id[svg.get("aria-labelledby")], by_id[svg.get("aria-describedby")]


def section(body: str, section_id: str) -> str:
    return body.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def a_search(app, alice_id):
    """Two months of alice's search: moods, self-care, rejections, applications."""
    with_user(app, alice_id, lambda user: factories.seed_a_search(user, days=60))


# --- Empty, and full -------------------------------------------------------------------------


def test_a_new_account_sees_kind_empty_states(alice):
    response = alice.get("/insights")
    body = text(response)
    assert response.status_code == 200
    assert "No check-ins yet in" in body and "no streak to keep" in body.lower()
    assert "No check-ins in the last 30 days yet." in body
    assert "Once a habit has at least 3 days with it and 3 without" in body
    assert "No rejections logged in the last year." in body
    assert "With at least 5 applications in each group" in body
    assert set(charts_of(body)) == {"mood-chart", "pixels-chart"}
    assert 'aria-current="page"' in re.search(r'<a href="/insights"[^>]*>', body).group(0)


def test_every_chart_parses_speaks_and_has_a_table(alice, a_search):
    body = text(alice.get("/insights"))
    charts = charts_of(body)
    assert set(charts) == set(CHARTS)
    for chart_id, svg in charts.items():
        name, description = spoken(svg)
        assert svg.get("role") == "img" and name and len(description) > 20, chart_id
        assert not any("style" in el.attrib for el in svg.iter()), chart_id
    assert spoken(charts["mood-chart"])[0] == "Your mood over the last 30 days"
    assert spoken(charts["pixels-chart"])[0] == "Your year in pixels"
    assert body.count("<summary>Show as a table</summary>") == 5
    assert body.count("<caption>") == 5
    # The description is the sentence the page shows under the chart.
    assert f"<p>{spoken(charts['mood-chart'])[1]}</p>" in body
    assert "You checked in on" in section(body, "this-month")
    assert "Your average mood on days you did each habit" in section(body, "self-care-mood")
    assert "usual" in section(body, "resilience")
    assert "reached an interview" in section(body, "what-works")


def test_no_inline_style_or_script_anywhere(alice, a_search):
    body = alice.get("/insights").get_data(as_text=True)
    assert " style=" not in body and "<style" not in body and "hx-on" not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)


# --- The range switch ---------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "name", "current"), [
    ("", "Your mood over the last 30 days", "30 days"),
    ("?range=90", "Your mood over the last 90 days", "90 days"),
    ("?range=365", "Your mood over the last 365 days", "A year"),
])
def test_each_range_is_a_page(alice, a_search, query, name, current):
    body = text(alice.get(f"/insights{query}"))
    assert spoken(charts_of(body)["mood-chart"])[0] == name
    [chosen] = re.findall(r'aria-current="page">([^<]+)</a>', section(body, "mood-section"))
    assert chosen == current


def test_the_range_switch_answers_htmx_with_the_mood_chart_alone(app, alice_id, alice, a_search):
    with counting_statements(app) as statements:
        response = alice.htmx("get", "/insights?range=90")
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card chart-card" id="mood-section"')
    assert "<html" not in body and "pixels-chart" not in body
    assert 'hx-get="/insights?range=365" hx-target="#mood-section" hx-push-url="true"' in body
    assert len(response.get_data()) < 20 * 1024
    assert len(statements) < QUERY_BUDGET


@pytest.mark.parametrize("value", ["7", "", "abc", "30.0", "36500"])
def test_a_range_not_offered_is_a_404(alice, value):
    assert alice.get(f"/insights?range={value}").status_code == 404
    assert alice.htmx("get", f"/insights?range={value}").status_code == 404


# --- Bounded work -------------------------------------------------------------------------------


def test_a_year_of_data_costs_the_same_queries_as_a_week(app, alice_id, bob_id, alice, bob):
    """PERF-03: the page aggregates in SQL, so its statements do not grow with the data."""
    with_user(app, alice_id, lambda user: factories.seed_a_search(user, days=7))
    with_user(app, bob_id, lambda user: factories.seed_a_search(user, days=365))
    counts = {}
    for who, client in (("a week", alice), ("a year", bob)):
        for url in ("/insights", "/insights?range=365"):
            with counting_statements(app) as statements:
                response = client.get(url)
            assert response.status_code == 200
            counts[who, url] = len(statements)
            assert len(statements) <= QUERY_BUDGET, (who, url, statements)
    assert counts["a week", "/insights"] == counts["a year", "/insights"]
    assert counts["a week", "/insights?range=365"] == counts["a year", "/insights?range=365"]
    # PERF-01: the busiest Insights page's HTML stays within 15 KB compressed.
    response = bob.get("/insights?range=365", headers={"Accept-Encoding": "gzip"})
    body = gzip.decompress(response.data).decode()
    assert len(response.data) <= 15_000, len(response.data)
    assert len(re.findall(r"<tr><th scope=\"row\">", section(body, "mood-section"))) == 53
    assert len(charts_of(body)) == 5
    # PERF-02: the range switch's answer for a whole year stays under the 20 KB worst case.
    fragment = bob.htmx("get", "/insights?range=365")
    assert fragment.status_code == 200 and len(fragment.get_data()) <= 20 * 1024


def test_company_names_are_escaped_in_the_charts_and_tables(app, alice_id, alice):
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'

    def setup(user):
        today = local_today(user.timezone)
        factories.mood_days(user, {today - timedelta(days=n): 3 for n in range(20)})
        factories.make_rejection(user, today - timedelta(days=2), company=payload)

    with_user(app, alice_id, setup)
    body = alice.get("/insights").get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    chart = charts_of(body)["resilience-chart"]  # still well-formed, the name as plain text
    assert any(payload in (el.text or "") for el in chart.iter())


# --- The care card on Today -----------------------------------------------------------------------


def low_week(app, alice_id, moods=(2, 1, 2, 2, 2)):
    def make(user):
        today = local_today(user.timezone)
        factories.mood_days(user, {today - timedelta(days=n): m for n, m in enumerate(moods)})

    with_user(app, alice_id, make)


def test_today_shows_the_care_card_after_a_run_of_hard_check_ins(app, alice_id, alice):
    low_week(app, alice_id)
    with_user(app, alice_id, lambda user: factories.make_contact(user, "Sam"))
    with counting_statements(app) as statements:
        body = text(alice.get("/"))
    card = section(body, "care")
    assert "Your last few check-ins have been hard ones." in card
    assert "Could you reach out to Sam?" in card
    assert "Your doctor or a local health service." in card
    assert ('<a href="https://findahelpline.com/" rel="noopener noreferrer">Find a Helpline'
            in card)
    assert 'href="/people"' in card  # People exists: the card leads there
    for word in ("warning", "error", "danger", "alert"):
        assert word not in card.split(">", 1)[0]  # the card's own classes stay calm
    assert len(statements) <= QUERY_BUDGET, statements


def test_today_has_no_care_card_on_ordinary_days(app, alice_id, alice):
    assert 'id="care"' not in alice.get("/").get_data(as_text=True)
    low_week(app, alice_id, moods=(2, 2, 2, 2, 2))
    assert 'id="care"' not in alice.get("/").get_data(as_text=True)


def test_the_places_to_find_help_are_a_setting(app, alice_id, alice):
    app.config["ONWARD_HELP_RESOURCES"] = (("Call the Riverside helpline", None),
                                           ("Our clinic", "https://clinic.example/help"))
    low_week(app, alice_id)
    card = section(text(alice.get("/")), "care")
    assert "Call the Riverside helpline" in card
    assert '<a href="https://clinic.example/help" rel="noopener noreferrer">Our clinic</a>' in card
    assert "findahelpline" not in card
