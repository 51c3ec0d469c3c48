"""What templates get besides their view's variables: fingerprinted static URLs and the
navigation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import Flask, current_app, request
from flask_login import current_user

from webapp.static_files import static_url
from webapp.timezones import local_time, local_today


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    icon: str
    section: str  # the blueprint whose pages light this item up


# The bottom bar in PRODUCT.md's order. An item shows once its blueprint exists, so the bar
# never links to a page that is not there yet.
NAV_ITEMS = (
    NavItem("today.index", "Today", "sun", "today"),
    NavItem("journal.index", "Journal", "book", "journal"),
    NavItem("applications.index", "Applications", "briefcase", "applications"),
    NavItem("insights.index", "Insights", "chart", "insights"),
    NavItem("account.more", "More", "menu", "account"),
)
# Pages of these blueprints light up "More".
NAV_EXTENSION = "onward_nav"
MORE_SECTIONS = {"account", "checkins", "selfcare", "week", "growth", "people", "share",
                 "visualize"}


@dataclass(frozen=True)
class NavLink:
    href: str
    label: str
    icon: str
    section: str


def resolve_nav(app: Flask) -> tuple[NavLink, ...]:
    """The bar's links, built once at start rather than by url_for on every page."""
    urls = app.url_map.bind("localhost", script_name=app.config["APPLICATION_ROOT"])
    return tuple(NavLink(urls.build(item.endpoint), item.label, item.icon, item.section)
                 for item in NAV_ITEMS if item.endpoint in app.view_functions)


def nav_items() -> tuple[NavLink, ...]:
    return current_app.extensions[NAV_EXTENSION]


def nav_section() -> str:
    blueprint = request.blueprint or ""
    return "account" if blueprint in MORE_SECTIONS else blueprint


def init_app(app: Flask) -> None:
    # static_files.init_app has put its resolved-at-start lookup here already.
    app.jinja_env.globals.setdefault("static_url", static_url)
    app.extensions[NAV_EXTENSION] = resolve_nav(app)
    app.jinja_env.globals.update(
        nav_items=nav_items,
        nav_section=nav_section,
    )
    app.jinja_env.filters.update(long_date=long_date, time_of_day=time_of_day)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


_ZONE_KEY, _YEAR_KEY = "onward.user_zone", "onward.this_year"


def _user_zone() -> str:
    # Asked once for each date and time a page shows (a journal page has dozens), so the
    # signed-in user's zone is looked up once a request (kept in its environ, which no
    # other request shares, unlike `g` inside one app context).
    zone = request.environ.get(_ZONE_KEY)
    if zone is None:
        zone = request.environ[_ZONE_KEY] = (current_user.timezone
                                             if current_user.is_authenticated else "UTC")
    return zone


def _this_year() -> int:
    year = request.environ.get(_YEAR_KEY)
    if year is None:
        year = request.environ[_YEAR_KEY] = local_today(_user_zone()).year
    return year


def long_date(value) -> str:
    """"Wednesday 25 November" (the year too when it is not this year)."""
    day = local_time(value, _user_zone()).date() if isinstance(value, datetime) else value
    assert isinstance(day, date)
    text = f"{day:%A} {day.day} {day:%B}"
    return text if day.year == _this_year() else f"{text} {day.year}"


def time_of_day(value) -> str:
    return local_time(value, _user_zone()).strftime("%H:%M")
