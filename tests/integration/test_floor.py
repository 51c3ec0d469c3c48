"""The signed-in floor: what every page pays for being signed in (issue 5)."""

from __future__ import annotations

import re

from flask import url_for

from tests.integration.guards_support import counting_statements
from webapp.templating import NAV_ITEMS, nav_items


def test_the_more_page_costs_one_query_for_session_and_user(app, alice):
    assert alice.get("/account").status_code == 200
    with counting_statements(app) as statements:
        page = alice.get("/account")
    assert page.status_code == 200
    assert len(statements) == 1, statements
    assert "login_sessions" in statements[0] and "users" in statements[0]  # one joined SELECT


def test_the_more_page_signs_out_with_the_session_csrf_token(alice):
    page = alice.get("/account").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/auth/logout" class="center">(.*?)</form>',
                     page, re.S).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert token == alice.csrf_token()
    assert alice.post("/auth/logout", data={"csrf_token": token}).status_code in (302, 303)
    assert alice.get("/account").status_code in (302, 303)  # signed out


def test_the_bottom_bar_links_are_resolved_once_and_match_url_for(app, alice):
    with app.test_request_context():
        resolved = nav_items()
        assert [link.href for link in resolved] == [url_for(item.endpoint) for item in NAV_ITEMS]
    page = alice.get("/account").get_data(as_text=True)
    bar = page.split('<nav class="bottom-nav"', 1)[1]
    assert re.findall(r'<a href="([^"]+)"', bar) == [link.href for link in resolved]
    assert 'aria-current="page"' in re.search(r'<a href="/account"[^>]*>', bar).group(0)
