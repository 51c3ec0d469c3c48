"""Guards that grow with the app (TRUST.md TST-01..03, SEC-16, SEC-19..22, PERF-02, PERF-03).

Nothing here lists URLs by hand: every test is generated from `app.url_map`, so a route added
by a later feature is access-checked, CSRF-checked, checked for writes on GET, for its
security headers and for its query budget the day it lands. A new route needs only a line in
ROUTE_CLASSES and, when its URL has a new argument, an entry in OBJECT_ID_FACTORIES; the
tests say so when either is missing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests import factories
from tests.conftest import PASSWORD, sign_in
from tests.integration.guards_support import (
    CANARY,
    Snapshot,
    age_session,
    build_url,
    counting_statements,
    describe_changes,
    methods_of,
    new_application,
    new_checkin,
    new_habit,
    new_reflection,
    owned_snapshot,
    rule_id,
    rules_of,
    seed_a_month,
    snapshot,
    with_user,
    write_methods_of,
)
from webapp import create_app
from webapp.config import ROOT, TestConfig
from webapp.errors import CSRF_MESSAGE
from webapp.extensions import db
from webapp.models import User
from webapp.security import CONTENT_SECURITY_POLICY, IMMUTABLE
from webapp.static_files import fingerprinted_name
from webapp.templating import static_url

# Building an app opens no database connection, so the rules can be read at import time
# and turned into test parameters.
APP = create_app("testing")
RULES = rules_of(APP)
STATIC_SOURCE = ROOT / "static"
FINGERPRINT = re.compile(r"\.([0-9a-f]{12})(?:\.[^./]+)?$")
ENDPOINTS = sorted({rule.endpoint for rule in RULES})

# --- 1. Route inventory ---------------------------------------------------------------------

# public: anyone may call it.  owner: the signed-in user's own data; anonymous users are
# sent to sign in, and another user's object is a 404.  share: a mentor's capability link
# (SHR), read-only and `Referrer-Policy: no-referrer`.  admin: operators only.
ROUTE_CLASSES: dict[str, str] = {
    "core.healthz": "public",
    "core.robots": "public",
    "pwa.manifest": "public",
    "pwa.service_worker": "public",
    "pwa.offline": "public",
    "pwa.csrf_token": "public",
    "auth.register": "public",
    "auth.login": "public",
    "auth.forgot_password": "public",
    "auth.reset_password": "public",
    "auth.logout": "owner",
    "today.index": "owner",
    "checkins.create": "owner",
    "checkins.details": "owner",
    "checkins.history": "owner",
    "checkins.new": "owner",
    "checkins.edit": "owner",
    "checkins.delete": "owner",
    "selfcare.done": "owner",
    "selfcare.habits": "owner",
    "selfcare.rename": "owner",
    "selfcare.archive": "owner",
    "selfcare.restore": "owner",
    "week.index": "owner",
    "week.log_activity": "owner",
    "week.delete_activity": "owner",
    "week.goals": "owner",
    "week.review": "owner",
    "week.reviews": "owner",
    "week.read_review": "owner",
    "visualize.index": "owner",
    "visualize.record_session": "owner",
    "visualize.delete_session": "owner",
    "visualize.why": "owner",
    "insights.index": "owner",
    "account.more": "owner",
    "account.profile": "owner",
    "account.change_password": "owner",
    "account.change_email": "owner",
    "auth.reauth": "owner",
    "account.sessions": "owner",
    "account.sign_out_others": "owner",
    "growth.index": "owner",
    "growth.new_skill": "owner",
    "growth.edit_skill": "owner",
    "growth.delete_skill": "owner",
    "growth.progress": "owner",
    "growth.log_session": "owner",
    "growth.questions": "owner",
    "growth.edit_question": "owner",
    "growth.delete_question": "owner",
    "growth.practise": "owner",
    "growth.practise_next": "owner",
    "people.index": "owner",
    "people.new": "owner",
    "people.edit": "owner",
    "people.delete": "owner",
    "people.reached_out": "owner",
    "applications.index": "owner",
    "applications.new": "owner",
    "applications.detail": "owner",
    "applications.edit": "owner",
    "applications.delete": "owner",
    "applications.move": "owner",
    "applications.mark_no_reply": "owner",
    "applications.rejected": "owner",
    "applications.rejection": "owner",
    "applications.reflection": "owner",
    "applications.save_step": "owner",
    "applications.feedback": "owner",
    "applications.feedback_asked": "owner",
    "journal.index": "owner",
    "journal.more": "owner",
    "journal.new": "owner",
    "journal.detail": "owner",
    "journal.edit": "owner",
    "journal.delete": "owner",
    "journal.practice": "owner",
    "journal.on_this_day": "owner",
    "share.index": "owner",
    "share.create": "owner",
    "share.link": "owner",
    "share.change_cards": "owner",
    "share.renew": "owner",
    "share.revoke": "owner",
    "share.revoke_all": "owner",
    "share.read_notes": "owner",
    "share.hide_note": "owner",
    "share.show_note": "owner",
    "share.delete_note": "owner",
    "reminders.settings": "owner",
    "reminders.subscribe": "owner",
    "reminders.unsubscribe": "owner",
    "reminders.send_test": "owner",
    "reminders.stop_others": "owner",
    "mentor.page": "share",
    "mentor.leave_note": "share",
    # Passkeys (issue 10): signing in with one is public, like the password form.
    "auth.passkey_options": "public",
    "auth.passkey_login": "public",
    "auth.reauth_passkey": "owner",
    "account.passkeys_page": "owner",
    "account.passkey_options": "owner",
    "account.add_passkey": "owner",
    "account.rename_passkey": "owner",
    "account.remove_passkey": "owner",
    "account.remove_password": "owner",
    "account.privacy": "public",
    "account.data": "owner",
    "account.start_export": "owner",
    "account.export_status": "owner",
    "account.download_export": "owner",
    "account.delete_account": "owner",
    "account.import_json": "owner",
    "account.import_daylio": "owner",
    "account.daylio_preview": "owner",
}
CLASSES = {"public", "owner", "share", "admin"}
OPEN_CLASSES = {"public", "share"}  # answer anonymous users
# The service worker and the manifest may be kept but are checked again before use, so a
# new version shows up on the next load (webapp/pwa); everything else is never stored.
CACHE_CONTROL = {"pwa.service_worker": "no-cache", "pwa.manifest": "no-cache"}
REFERRER_POLICY = {"share": "no-referrer"}  # everything else: same-origin (SEC-21, SHR-08)


def route_class(endpoint: str) -> str:
    """The endpoint's class. One missing from ROUTE_CLASSES is guarded as an owner endpoint,
    so forgetting to classify a route can only make more tests fail, never fewer."""
    return ROUTE_CLASSES.get(endpoint, "owner")


# --- 2. Object-id factory -------------------------------------------------------------------

# For every URL argument: make the thing it names for the given user (committed) and return
# the value that goes in the URL.
OBJECT_ID_FACTORIES: dict[str, Callable[[User], int | str]] = {
    "checkin_id": new_checkin,
    "habit_id": new_habit,
    "activity_id": lambda user: factories.make_activity(user).id,
    # A week named by its Monday: one the user reviewed, so someone else gets a 404.
    "week_start": lambda user: factories.make_review(user).week_start,
    "skill_id": lambda user: factories.make_skill(user).id,
    "question_id": lambda user: factories.make_question(user).id,
    "contact_id": lambda user: factories.make_contact(user).id,
    "application_id": new_application,
    "reflection_id": new_reflection,
    # Not an object: which step of the rejection flow. One that writes when saved.
    "step": lambda user: "thought",
    "entry_id": lambda user: factories.make_journal_entry(user).id,
    "session_id": lambda user: factories.make_visualization(user).id,
    # Not an object: the static view's file. A real one, so the answer is a 200.
    "filename": lambda user: "css/app.css",
    "link_id": lambda user: factories.make_share_link(user).link.id,
    "note_id": lambda user: factories.make_mentor_note(user).id,
    # An export being built, so the status route answers 200 without a file on disk.
    "export_id": lambda user: factories.make_export_job(user).id,
    # A share link's token: every card, company names too, so the guards (the query budget
    # above all) see the mentor's page at its fullest.
    "token": lambda user: factories.make_share_link(user, show_company_names=True).token,
    "passkey_id": lambda user: factories.make_passkey(user).id,
}
MISSING_FACTORY = (
    "{rule} has the URL argument(s) {missing}, which OBJECT_ID_FACTORIES in "
    "tests/integration/test_route_guards.py does not know. Add a function that creates that "
    "object for a given user and returns its id, so the authorization, CSRF and header "
    "guards can reach this route."
)

# Form data that would change something if the request got through, so "nothing was
# written" means something. Endpoints whose only field is the CSRF token need no entry.
WOULD_WRITE: dict[str, Callable[[], dict]] = {
    "auth.register": lambda: {
        "display_name": "Mallory", "email": "mallory@example.com",
        "password": "plenty of quiet evenings", "timezone": "UTC", "consent": "y",
    },
    "auth.login": lambda: {"email": "alice@example.com", "password": PASSWORD},
    "auth.forgot_password": lambda: {"email": "alice@example.com"},
    "checkins.create": lambda: {"mood": "4", "client_uuid": str(uuid.uuid4())},
    "checkins.new": lambda: {
        "mood": "2", "day": "2024-01-02", "note": "written by someone else",
        "client_uuid": str(uuid.uuid4()),
    },
    "checkins.details": lambda: {"energy": "5", "emotions": "calm", "note": "someone else"},
    "checkins.edit": lambda: {"mood": "1", "day": "2024-01-02", "note": "someone else"},
    "selfcare.done": lambda: {"done": "1"},
    "selfcare.habits": lambda: {"name": "Written by someone else"},
    "selfcare.rename": lambda: {"name": "Renamed by someone else"},
    "week.log_activity": lambda: {"kind": "networking", "note": "someone else's coffee"},
    "week.goals": lambda: {
        "applications_target": "9", "networking_target": "9", "learning_target": "9",
        "rest_days": "0",
    },
    "week.review": lambda: {
        "went_well": "written by someone else", "applications_target": "9",
        "networking_target": "9", "learning_target": "9", "rest_days": "0",
    },
    "visualize.record_session": lambda: {"minutes": "3", "felt": "4", "note": "someone else's"},
    "visualize.why": lambda: {"growth": "y", "own_words": "written by someone else"},
    "account.profile": lambda: {"display_name": "Renamed", "timezone": "UTC"},
    "account.change_password": lambda: {
        "current_password": PASSWORD, "new_password": "a different walk home at dusk",
    },
    "account.change_email": lambda: {"email": "moved@example.com", "current_password": PASSWORD},
    "growth.new_skill": lambda: {"name": "Written by someone else", "status": "active",
                                 "progress": "40"},
    "growth.edit_skill": lambda: {"name": "Renamed by someone else", "status": "done",
                                  "progress": "90"},
    "growth.progress": lambda: {"progress": "77"},
    "growth.questions": lambda: {"question": "Written by someone else?"},
    "growth.edit_question": lambda: {"question": "Reworded by someone else?"},
    "growth.practise": lambda: {"rating": "2", "practised_on": "2024-01-02"},
    "people.new": lambda: {"name": "Mallory", "relation": "friend"},
    "people.edit": lambda: {"name": "Renamed by someone else", "relation": "mentor"},
    "people.reached_out": lambda: {"networking": "1"},
    "applications.new": lambda: {"company": "Written by someone else", "role": "Spy"},
    "applications.edit": lambda: {"company": "Renamed by someone else", "role": "Spy"},
    "applications.delete": lambda: {"with_reflections": "y"},
    "applications.move": lambda: {"stage": "offer", "day": "2024-01-02"},
    "applications.rejected": lambda: {"stage_reached": "interview", "day": "2024-01-02"},
    "applications.rejection": lambda: {
        "application": "new", "company": "Someone else's", "role": "Spy",
        "stage_reached": "applied", "day": "2024-01-02",
    },
    "applications.save_step": lambda: {"thought": "written by someone else", "belief_before": "90"},
    "applications.feedback": lambda: {"feedback": "someone else's words", "skills": "Spying"},
    "journal.new": lambda: {
        "kind": "small_win", "body": "written by someone else", "entry_date": "2024-01-02",
    },
    "journal.edit": lambda: {
        "kind": "reflection", "body": "changed by someone else", "entry_date": "2024-01-02",
        "version": "1",
    },
    "journal.on_this_day": lambda: {"show": "off"},
    "share.create": lambda: {
        "label": "made by someone else", "days": "180", "cards": ["week", "mood"],
        "show_company_names": "y",
    },
    "share.change_cards": lambda: {"cards": ["week", "mood", "journal"], "show_company_names": "y"},
    "share.renew": lambda: {"days": "180"},
    "mentor.leave_note": lambda: {"body": "written by someone else", "author_name": "Mallory"},
    "account.rename_passkey": lambda: {"name": "Renamed by someone else"},
    "reminders.settings": lambda: {"on": "y", "at": "07:15", "days": ["0", "6"]},
    "account.start_export": lambda: {"kind": "json"},
    "account.delete_account": lambda: {"confirm": "delete"},
}


def form_for(endpoint: str, method: str) -> dict | None:
    if method == "GET":
        return None
    make = WOULD_WRITE.get(endpoint)
    return make() if make else {}


def url_for_user(app: Flask, rule: Rule, method: str, user_id: int | None) -> str:
    """The rule's URL with every argument filled by a fresh object of that user."""
    missing = sorted(rule.arguments - set(OBJECT_ID_FACTORIES))
    if missing:
        pytest.fail(MISSING_FACTORY.format(rule=rule.rule, missing=", ".join(missing)))
    values = {
        argument: with_user(app, user_id, OBJECT_ID_FACTORIES[argument])
        for argument in sorted(rule.arguments)
    }
    return build_url(app, rule, values, method)


def send(client: FlaskClient, method: str, url: str, *, htmx: bool = False,
         csrf: bool = True, data: dict | None = None, headers: dict | None = None):
    """One request as a browser form (or htmx, with HX-Request) would send it. The body is
    read and the response closed, so a static file's handle is never left open."""
    if htmx:
        response = client.htmx(method, url, data=data, csrf=csrf,  # type: ignore[attr-defined]
                               headers=headers)
    else:
        response = client.open(url, method=method, data=data, csrf=csrf,  # type: ignore[call-arg]
                               headers=headers)
    response.get_data()
    response.close()
    return response


def _url(endpoint: str, **values) -> str:
    """The URL of an endpoint, for the few tests that name one on purpose."""
    with APP.test_request_context():
        return url_for(endpoint, **values)


def cases(pairs) -> list:
    return [pytest.param(rule, method, id=rule_id(rule, method)) for rule, method in pairs]


READABLE_RULES = [rule for rule in RULES if "GET" in rule.methods]
GET_RULES = [pytest.param(rule, id=rule_id(rule)) for rule in READABLE_RULES]
WRITE_CASES = cases((rule, m) for rule in RULES for m in write_methods_of(rule))
OWNER_OBJECT_RULES = [
    pytest.param(rule, id=rule_id(rule)) for rule in RULES
    if route_class(rule.endpoint) not in OPEN_CLASSES and rule.arguments
]
ANONYMOUS_CASES = cases(
    (rule, m) for rule in RULES for m in methods_of(rule)
    if route_class(rule.endpoint) not in OPEN_CLASSES or m == "GET"
)
OWNER_LIST_RULES = [
    rule for rule in RULES
    if route_class(rule.endpoint) not in OPEN_CLASSES and "GET" in rule.methods
    and not rule.arguments
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_endpoint_is_classified(endpoint):
    """Every endpoint says who may call it, so the guards below know what to expect."""
    assert endpoint in ROUTE_CLASSES, (
        f"Endpoint {endpoint!r} is not in ROUTE_CLASSES (tests/integration/"
        f"test_route_guards.py). Classify it as one of {sorted(CLASSES)}."
    )
    assert ROUTE_CLASSES[endpoint] in CLASSES, f"{endpoint}: unknown class"


def test_inventory_names_only_existing_endpoints():
    """A stale entry would hide that a route was removed or renamed."""
    stale = sorted(set(ROUTE_CLASSES) - set(ENDPOINTS))
    assert not stale, f"ROUTE_CLASSES names endpoints the app no longer has: {stale}"


def test_guards_see_the_same_rules_as_the_app_under_test(app):
    """The parameters come from a module-level app; a route registered only in some
    configurations would escape them."""
    def shape(rules):
        return [(r.rule, r.endpoint, sorted(r.methods)) for r in rules]

    assert shape(rules_of(app)) == shape(RULES)


@pytest.mark.parametrize("rule", [r for r in RULES if r.arguments], ids=rule_id)
def test_every_url_argument_has_a_factory(rule):
    missing = sorted(rule.arguments - set(OBJECT_ID_FACTORIES))
    assert not missing, MISSING_FACTORY.format(rule=rule.rule, missing=", ".join(missing))


@pytest.mark.parametrize(("rule", "method"), ANONYMOUS_CASES)
def test_anonymous_request(request, app, client, rule, method):
    """Public pages answer anonymous users without crashing; everything else sends them to
    sign in: a redirect for a page, a 401 with HX-Redirect for htmx (never a login form
    swapped into a fragment). Non-GET requests carry a valid CSRF token, so it is the
    sign-in check that answers. After signing in, a page asked for with GET opens again; a
    form post returns to the page the form was on (its Referer), since a GET of a POST-only
    URL would be a 405."""
    # Alice's objects fill the URL; a rule without arguments doesn't pay for creating her.
    alice_id = request.getfixturevalue("alice_id") if rule.arguments else None
    url = url_for_user(app, rule, method, alice_id)
    if route_class(rule.endpoint) in OPEN_CLASSES:
        status = send(client, "GET", url).status_code
        assert status == 200 or 300 <= status < 400 or status == 404, f"GET {url}: {status}"
        return
    before = snapshot(app)
    form_page = "/checkins?page=2"
    page = send(client, method, url, data=form_for(rule.endpoint, method),
                headers=None if method == "GET" else {"Referer": f"http://localhost{form_page}"})
    assert page.status_code == 302, f"{method} {url}: {page.status_code}"
    target = urlsplit(page.headers["Location"])
    assert target.path == "/auth/login", page.headers["Location"]
    back = url if method == "GET" else form_page
    assert parse_qs(target.query).get("next") == [back], page.headers["Location"]

    fragment = send(client, method, url, htmx=True, data=form_for(rule.endpoint, method))
    assert fragment.status_code == 401, f"htmx {method} {url}: {fragment.status_code}"
    assert urlsplit(fragment.headers.get("HX-Redirect", "")).path == "/auth/login"
    assert fragment.get_data() == b""
    assert snapshot(app) == before, describe_changes(before, snapshot(app))


# What a mentor's link may write (SHR-06, as issue 8 amends it): one short note of
# encouragement. Any other write method on a share route fails the test below.
SHARE_WRITES = {"mentor.leave_note:POST"}


def test_share_routes_write_nothing_but_a_note():
    """A mentor's link only reads, but for the note (SHR-06): no other share route accepts
    a write method."""
    writable = {
        rule_id(rule, method) for rule in RULES if route_class(rule.endpoint) == "share"
        for method in write_methods_of(rule)
    }
    assert writable == SHARE_WRITES, f"share routes that accept writes: {sorted(writable)}"


# --- 3. Authorization matrix (SEC-16) -------------------------------------------------------


@pytest.mark.parametrize("rule", OWNER_OBJECT_RULES)
def test_someone_elses_object_is_a_404(app, alice_id, alice, bob, rule):
    """Bob, signed in and with a valid CSRF token, asks for alice's object with every method
    the route accepts: 404, as a page and as htmx, and none of alice's rows change. Alice
    herself can open it."""
    for method in methods_of(rule):
        url = url_for_user(app, rule, method, alice_id)
        before = owned_snapshot(app, alice_id)
        for htmx in (False, True):
            label = f"bob {'htmx ' if htmx else ''}{method} {url}"
            response = send(bob, method, url, htmx=htmx, data=form_for(rule.endpoint, method))
            assert response.status_code == 404, f"{label}: {response.status_code}"
            after = owned_snapshot(app, alice_id)
            assert after == before, f"{label} changed alice's rows:\n{describe_changes(before, after)}"
        if method == "GET":
            assert send(alice, "GET", url).status_code == 200, f"alice GET {url}"


def test_list_views_never_show_someone_elses_rows(app, alice_id, bob):
    """Alice's note, habit and application carry a canary; no page of bob's may show it.
    (One test over all the owner pages without an id: each needs the same two users and
    nothing else.)"""
    with_user(app, alice_id, new_checkin)
    with_user(app, alice_id, new_habit)
    with_user(app, alice_id, new_application)
    leaks = [
        url for url in (build_url(app, rule, {}, "GET") for rule in OWNER_LIST_RULES)
        if CANARY in send(bob, "GET", url).get_data(as_text=True)
    ]
    assert not leaks, f"bob sees alice's data on {leaks}"


def test_the_canary_is_visible_to_its_owner(app, alice_id, alice):
    """The control for the test above: the canary really is rendered for alice."""
    with_user(app, alice_id, new_checkin)
    with_user(app, alice_id, new_habit)
    with_user(app, alice_id, new_application)
    for url in (_url("checkins.history"), _url("selfcare.habits"), _url("applications.index"),
                _url("applications.rejection")):
        assert CANARY in alice.get(url).get_data(as_text=True), url


# --- 4. CSRF matrix (SEC-19, TST-02) --------------------------------------------------------


@pytest.mark.parametrize(("rule", "method"), WRITE_CASES)
def test_write_without_csrf_token_is_refused(app, alice_id, alice, rule, method):
    """No token, no write: 400 as a form post and as htmx, anonymous and signed in, with a
    form that would otherwise change something, and every table unchanged (alice's session
    is aged, so even a `last_seen_at` touched before the check would show). An anonymous
    htmx request is sent to sign in instead (401 + HX-Redirect): its session is gone, so
    reloading would not help. Then the same request with the token gets past the CSRF
    check, so the refusals are not vacuous."""
    anonymous = app.test_client()
    for client in (anonymous, alice):
        client.csrf_token()  # the session holds a token, as after viewing any page
    url = url_for_user(app, rule, method, alice_id)
    before = snapshot(app)
    for who, client in (("anonymous", anonymous), ("alice", alice)):
        for htmx in (False, True):
            label = f"{who} {'htmx' if htmx else 'form'} {method} {url} without a token"
            age_session(client)
            response = send(client, method, url, htmx=htmx, csrf=False,
                            data=form_for(rule.endpoint, method))
            if who == "anonymous" and htmx:
                assert response.status_code == 401, f"{label}: {response.status_code}"
                assert response.headers["HX-Redirect"].startswith("/auth/login"), label
            else:
                assert response.status_code == 400, f"{label}: {response.status_code}"
                assert CSRF_MESSAGE in response.get_data(as_text=True), label
            after = snapshot(app)
            assert after == before, f"{label} wrote:\n{describe_changes(before, after)}"

    control = send(alice, method, url, data=form_for(rule.endpoint, method))
    assert CSRF_MESSAGE not in control.get_data(as_text=True), f"alice {method} {url}"
    assert control.status_code != 400, f"alice {method} {url} with a token"


def test_a_check_in_posted_with_the_token_is_saved(app, alice_id, alice):
    """The positive control: the token the browser sends is accepted and the write lands."""
    url = _url("checkins.create")
    page = alice.post(url, data={"mood": "4", "client_uuid": str(uuid.uuid4())})
    assert page.status_code == 303
    fragment = alice.htmx("post", url, data={"mood": "2", "client_uuid": str(uuid.uuid4())})
    assert fragment.status_code == 201
    assert len(snapshot(app)["mood_checkins"]) == 2


# --- 5. No GET view writes (SEC-19) ---------------------------------------------------------


def visit_counted(before: Snapshot, after: Snapshot) -> list[str]:
    """What opening a share link changed beyond counting the visit: empty when the only
    changes are one link's `views` (up by one) and `last_viewed_at`, and one new
    `share_views` row for that link."""
    problems = [f"{name} changed" for name in sorted(set(before) | set(after))
                if name not in ("share_links", "share_views")
                and before.get(name) != after.get(name)]
    old_links = {dict(row)["id"]: dict(row) for row in before["share_links"]}
    new_links = {dict(row)["id"]: dict(row) for row in after["share_links"]}
    changed = [i for i in new_links if new_links[i] != old_links.get(i)]
    if len(changed) != 1 or set(new_links) != set(old_links):
        return [*problems, f"share_links changed in {len(changed)} rows, not 1"]
    old, new = old_links[changed[0]], new_links[changed[0]]
    if {k for k in new if new[k] != old[k]} - {"views", "last_viewed_at"}:
        problems.append("a share link changed beyond views and last_viewed_at")
    if new["views"] != old["views"] + 1:
        problems.append("views went up by more or less than one")
    added = [dict(row) for row in after["share_views"] if row not in before["share_views"]]
    if len(added) != 1 or len(after["share_views"]) != len(before["share_views"]) + 1:
        problems.append("not exactly one share_views row added")
    elif added[0]["link_id"] != changed[0]:
        problems.append("the visit was logged against another link")
    return problems


# The one GET that writes, on purpose and narrowly (SHR-12): opening a mentor's link counts
# the visit and logs it coarsely, and must change nothing else.
GET_WRITES: dict[str, Callable[[Snapshot, Snapshot], list[str]]] = {"mentor.page": visit_counted}


@pytest.mark.parametrize("rule", GET_RULES)
def test_get_writes_nothing(app, alice_id, alice, client, rule):
    """A GET leaves every row of every table as it was, for alice (page and htmx) and for an
    anonymous visitor. Alice's session is aged past the one-minute bookkeeping throttle
    first, so a GET that refreshed `last_seen_at` would be caught. The exceptions in
    GET_WRITES must change exactly what they are allowed to, on every request."""
    url = url_for_user(app, rule, "GET", alice_id)
    before = snapshot(app)
    for label, client_, htmx in (("alice", alice, False), ("alice htmx", alice, True),
                                 ("anonymous", client, False)):
        age_session(client_)
        response = send(client_, "GET", url, htmx=htmx)
        assert response.status_code < 500, f"{label} GET {url}: {response.status_code}"
        after = snapshot(app)
        if rule.endpoint in GET_WRITES:
            problems = GET_WRITES[rule.endpoint](before, after)
            assert not problems, f"{label} GET {url}: {problems}\n{describe_changes(before, after)}"
            before = after
            continue
        assert after == before, f"{label} GET {url} wrote:\n{describe_changes(before, after)}"


# --- 6. Header contract (SEC-20..22, PERF-05, TST-03) ---------------------------------------


def header_problems(response, *, endpoint: str | None = None) -> list[str]:
    """Every way the response breaks the header contract; empty when it keeps it."""
    headers = response.headers
    problems = []
    if headers.get("Content-Security-Policy") != CONTENT_SECURITY_POLICY:
        problems.append(f"CSP is {headers.get('Content-Security-Policy')!r}")
    hsts = headers.get("Strict-Transport-Security", "")
    if "max-age=31536000" not in hsts or "includeSubDomains" not in hsts:
        problems.append(f"HSTS is {hsts!r}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"X-Content-Type-Options is {headers.get('X-Content-Type-Options')!r}")
    wanted_referrer = REFERRER_POLICY.get(route_class(endpoint or ""), "same-origin")
    if headers.get("Referrer-Policy") != wanted_referrer:
        problems.append(f"Referrer-Policy is {headers.get('Referrer-Policy')!r}")
    if headers.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options is {headers.get('X-Frame-Options')!r}")
    if route_class(endpoint or "") == "share" and "noindex" not in headers.get("X-Robots-Tag", ""):
        problems.append(f"X-Robots-Tag is {headers.get('X-Robots-Tag')!r} (SHR-09)")
    if endpoint != "static":
        wanted_cache = CACHE_CONTROL.get(endpoint or "", "no-store")
        if headers.get("Cache-Control") != wanted_cache:
            problems.append(f"Cache-Control is {headers.get('Cache-Control')!r}")
        if "HX-Request" not in response.vary:
            problems.append(f"Vary is {headers.get('Vary')!r}")
    return problems


def assert_headers(response, label: str, *, endpoint: str | None = None) -> None:
    problems = header_problems(response, endpoint=endpoint)
    assert not problems, f"{label} ({response.status}): " + "; ".join(problems)


def test_the_policy_allows_no_inline_code():
    """htmx runs without eval here (TRUST.md finding 7); inline code would undo the CSP."""
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("rule", GET_RULES)
def test_get_responses_carry_the_security_headers(app, alice_id, alice, client, rule):
    url = url_for_user(app, rule, "GET", alice_id)
    for label, client_, htmx in (("alice", alice, False), ("alice htmx", alice, True),
                                 ("anonymous", client, False)):
        response = send(client_, "GET", url, htmx=htmx)
        assert_headers(response, f"{label} GET {url}", endpoint=rule.endpoint)


class World:
    """What a status scenario may need, made on first use, so a scenario that needs only an
    anonymous visitor doesn't pay for signing two users in."""

    def __init__(self, request: pytest.FixtureRequest):
        self._request = request

    def __getattr__(self, name: str):
        fixture = {"anonymous": "client"}.get(name, name)
        return self._request.getfixturevalue(fixture)

    def alices_checkin(self) -> int:
        return with_user(self.app, self.alice_id, new_checkin)

    def alices_habit(self) -> int:
        return with_user(self.app, self.alice_id, new_habit)


def _too_many_sign_ins(w: World, *, htmx: bool = False):
    """Wrong passwords until the per-address limit (10 a minute) answers 429."""
    token = w.anonymous.csrf_token()
    wrong = {"email": "alice@example.com", "password": "not the password at all"}
    headers = {"X-CSRFToken": token, **({"HX-Request": "true"} if htmx else {})}
    for _ in range(11):
        response = w.anonymous.post(_url("auth.login"), data=wrong, headers=headers, csrf=False)
        if response.status_code != 422:
            break
    return response


def _new_check_in() -> dict:
    return WOULD_WRITE["checkins.create"]()


def _bad_check_in() -> dict:
    return {"mood": "9", "client_uuid": str(uuid.uuid4())}


# (expected status, how to get it): each status class the app answers with, as a page and,
# where the error handler has an htmx branch, as htmx.
STATUS_SCENARIOS: dict[str, tuple[int, Callable[[World], object]]] = {
    "200-page": (200, lambda w: w.anonymous.get(_url("auth.login"))),
    "200-htmx-toggle": (200, lambda w: w.alice.htmx(
        "post", _url("selfcare.done", habit_id=w.alices_habit()), data={"done": "1"})),
    "201-htmx-check-in": (201, lambda w: w.alice.htmx(
        "post", _url("checkins.create"), data=_new_check_in())),
    "302-sign-in-first": (302, lambda w: w.anonymous.get(_url("today.index"))),
    "303-after-a-post": (303, lambda w: w.alice.post(
        _url("checkins.create"), data=_new_check_in())),
    "401-htmx-sign-in-first": (401, lambda w: w.anonymous.htmx("get", _url("today.index"))),
    "400-csrf": (400, lambda w: w.alice.post(
        _url("checkins.create"), data=_new_check_in(), csrf=False)),
    "400-csrf-htmx": (400, lambda w: w.alice.htmx(
        "post", _url("checkins.create"), data=_new_check_in(), csrf=False)),
    "404-unknown-page": (404, lambda w: w.alice.get("/no-such-page")),
    "404-unknown-page-anonymous": (404, lambda w: w.anonymous.get("/no-such-page")),
    "404-someone-elses": (404, lambda w: w.bob.get(
        _url("checkins.edit", checkin_id=w.alices_checkin()))),
    "404-someone-elses-htmx": (404, lambda w: w.bob.htmx(
        "post", _url("selfcare.done", habit_id=w.alices_habit()), data={"done": "1"})),
    "405-wrong-method": (405, lambda w: w.alice.get(_url("auth.logout"))),
    "422-bad-check-in": (422, lambda w: w.alice.post(_url("checkins.create"), data=_bad_check_in())),
    "422-bad-check-in-htmx": (422, lambda w: w.alice.htmx(
        "post", _url("checkins.create"), data=_bad_check_in())),
    "429-sign-in-limit": (429, _too_many_sign_ins),
    "429-sign-in-limit-htmx": (429, lambda w: _too_many_sign_ins(w, htmx=True)),
}


@pytest.mark.parametrize("scenario", STATUS_SCENARIOS)
def test_every_status_class_carries_the_security_headers(request, scenario):
    expected, produce = STATUS_SCENARIOS[scenario]
    response = produce(World(request))
    assert response.status_code == expected, f"{scenario}: {response.status_code}"
    assert_headers(response, scenario)
    if expected == 429:
        assert response.headers.get("Retry-After"), "a 429 says when to try again (SEC-36)"


STATIC_FILES = sorted(
    path.relative_to(STATIC_SOURCE).as_posix()
    for path in STATIC_SOURCE.rglob("*") if path.is_file()
)


@pytest.mark.parametrize("filename", STATIC_FILES)
def test_static_files_are_cached_by_fingerprint(app, client, filename):
    """Only the URL with the file's current fingerprint may be kept for a year; without one
    the browser must revalidate, and an old or unknown one is not found, never a year-cached
    wrong file (PERF-05, SEC-22)."""
    with app.test_request_context():
        fingerprinted = static_url(filename)
    plain = f"/static/{filename}"
    assert fingerprinted == f"/static/{fingerprinted_name(filename, FINGERPRINT.search(fingerprinted).group(1))}"
    for url, cache in ((fingerprinted, IMMUTABLE), (plain, "no-cache")):
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.data == (STATIC_SOURCE / filename).read_bytes(), url
            assert_headers(response, f"GET {url}", endpoint="static")
            assert response.headers.get("Cache-Control") == cache, url
    stale = f"/static/{fingerprinted_name(filename, '0' * 12)}"
    with client.get(stale) as response:
        assert response.status_code == 404, stale
        assert response.headers.get("Cache-Control") == "no-store", stale


class _NoPropagationConfig(TestConfig):
    # TESTING turns propagation on; off, the app's own 500 handler renders, as in production.
    PROPAGATE_EXCEPTIONS = False


SECRET_DETAIL = "db password is hunter2-canary"


@pytest.fixture
def failing_app():
    """A separate app with one extra route that raises, added before its first request."""
    app = create_app(_NoPropagationConfig)

    @app.get("/__test_boom")
    def boom():
        raise RuntimeError(SECRET_DETAIL)

    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_server_error_page_has_headers_and_request_id_but_no_traceback(failing_app, htmx):
    """SEC-35: a generic page that names the request id (so support can find the log line)
    and shows nothing of the exception."""
    headers = {"HX-Request": "true"} if htmx else {}
    response = failing_app.test_client().get("/__test_boom", headers=headers)
    assert response.status_code == 500
    assert_headers(response, "500")
    request_id = response.headers.get("X-Request-ID")
    assert request_id
    body = response.get_data(as_text=True)
    assert request_id in body
    for leak in ("Traceback", "RuntimeError", SECRET_DETAIL, 'File "'):
        assert leak not in body, leak


# --- 7. Budgets (PERF-02, PERF-03) ----------------------------------------------------------

QUERY_BUDGET = 8
# Every page within PERF-03's 8, Today included: it asks three domains' counts in one summary
# row (today/services.py). A page that truly needs more gets an entry here, with the reason.
QUERY_BUDGET_FOR: dict[str, int] = {
    # A mentor's page is the one GET that writes: counting the visit is an UPDATE and an
    # INSERT (SHR-12), then the link's lookup and one read per card. 8 for a mentor, who is
    # never signed in; 9 here, where the owner's session is looked up as well.
    "mentor.page": 9,
}
FRAGMENT_BUDGET = 5 * 1024
WORST_FRAGMENT_BUDGET = 20 * 1024


def statement_report(statements: list[str], label: str, budget: int = QUERY_BUDGET) -> str:
    listing = "\n".join(f"  {n}. {' '.join(s.split())[:110]}" for n, s in enumerate(statements, 1))
    return f"{label} ran {len(statements)} SQL statements (budget {budget}):\n{listing}"


def test_get_stays_within_the_query_budget(app, alice_id, alice):
    """At most 8 statements for every GET rule, as a page and as htmx, with a month of data:
    no N+1 over days, check-ins, feelings or habits. One test over all the rules, because
    the month of data is the expensive part; the failure lists every rule over budget."""
    with_user(app, alice_id, seed_a_month)
    over = []
    for rule in READABLE_RULES:
        url = url_for_user(app, rule, "GET", alice_id)
        for htmx in (False, True):
            with counting_statements(app) as statements:
                send(alice, "GET", url, htmx=htmx)
            budget = QUERY_BUDGET_FOR.get(rule.endpoint, QUERY_BUDGET)
            if len(statements) > budget:
                over.append(statement_report(statements, f"{'htmx ' if htmx else ''}GET {url}",
                                             budget))
    assert not over, "\n".join(over)


def test_a_mentor_opening_a_share_page_stays_within_the_query_budget(app, alice_id, client):
    """The share page's real reader is a mentor, never signed in: within 8 for them, the
    visit's UPDATE and INSERT included (QUERY_BUDGET_FOR's 9 is the signed-in owner's)."""
    with_user(app, alice_id, seed_a_month)
    token = with_user(app, alice_id, OBJECT_ID_FACTORIES["token"])
    with counting_statements(app) as statements:
        response = send(client, "GET", f"/s/{token}")
    assert response.status_code == 200
    assert len(statements) <= QUERY_BUDGET, statement_report(statements, "a mentor's GET")


DEMO_WEEK, DEMO_YEARS = 7, 5 * 365 + 1


def _demo_account(app: Flask, email: str, days: int) -> tuple[int, FlaskClient]:
    """An account filled by `flask demo-data` (the data `make bench` measures), signed in."""
    result = app.test_cli_runner().invoke(
        args=["demo-data", "--email", email, "--days", str(days)],
        env={"ONWARD_DEMO_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.email == email))
    client = app.test_client()
    sign_in(client, email)
    return user_id, client


def test_pages_ask_as_much_with_five_years_of_data_as_with_one_week(app):
    """PERF-03 with the amount of data as the variable: every GET rule, as a page and as
    htmx, runs the same number of statements for an account with five years of demo data
    as for one with a week, and stays within the budget. A count that grows with the years
    is an N+1 or a per-day loop waiting to happen."""
    week_id, week_client = _demo_account(app, "week@example.com", DEMO_WEEK)
    years_id, years_client = _demo_account(app, "years@example.com", DEMO_YEARS)
    differ, over = [], []
    for rule in READABLE_RULES:
        budget = QUERY_BUDGET_FOR.get(rule.endpoint, QUERY_BUDGET)
        for htmx in (False, True):
            counts = []
            for user_id, client in ((week_id, week_client), (years_id, years_client)):
                url = url_for_user(app, rule, "GET", user_id)
                with counting_statements(app) as statements:
                    send(client, "GET", url, htmx=htmx)
                counts.append(len(statements))
                if len(statements) > budget:
                    over.append(statement_report(statements, f"GET {url}", budget))
            if counts[0] != counts[1]:
                differ.append(f"{'htmx ' if htmx else ''}GET {rule.rule}: {counts[0]} "
                              f"statements with a week, {counts[1]} with five years")
    assert not differ + over, "\n".join(differ + over)


def _htmx_writes(app: Flask, alice_id: int) -> dict[str, tuple[str, dict, int]]:
    """The two htmx posts of the daily loop: label -> (url, form, expected status)."""
    habit_id = with_user(app, alice_id, new_habit)
    return {
        "check-in": (_url("checkins.create"), _new_check_in(), 201),
        "self-care toggle": (_url("selfcare.done", habit_id=habit_id), {"done": "1"}, 200),
    }


def test_htmx_fragments_stay_small(app, alice_id, alice):
    """The fragments the daily loop swaps in stay under 5 KB on a typical day (a month of
    data, one check-in already today). Sizes are as rendered, before compression: the
    stricter reading of PERF-02."""
    with_user(app, alice_id, seed_a_month)
    for label, (url, data, status) in _htmx_writes(app, alice_id).items():
        response = alice.htmx("post", url, data=data)
        assert response.status_code == status, label
        body = response.get_data()
        assert b"<html" not in body, f"{label}: a whole page, not a fragment"
        assert len(body) < FRAGMENT_BUDGET, f"{label}: {len(body)} bytes"


def test_check_in_fragment_on_a_hard_day_stays_under_the_worst_case(app, alice_id, alice):
    """The check-in fragment re-renders all of today's check-ins, so it grows with each one.
    On a hard day (ten check-ins with long notes) it must still fit PERF-02's 20 KB."""
    for _ in range(9):
        with_user(app, alice_id, lambda user: new_checkin(user, note="a long hard day " * 12))
    response = alice.htmx("post", _url("checkins.create"), data=_new_check_in())
    assert response.status_code == 201
    assert len(response.get_data()) <= WORST_FRAGMENT_BUDGET, f"{len(response.get_data())} bytes"


def test_htmx_writes_stay_within_the_query_budget(app, alice_id, alice):
    """PERF-03's budget is per request, writes included: the two taps of the daily loop."""
    with_user(app, alice_id, seed_a_month)
    token = alice.csrf_token()  # fetched before counting; the posts below carry it
    over = []
    for label, (url, data, status) in _htmx_writes(app, alice_id).items():
        with counting_statements(app) as statements:
            response = alice.htmx("post", url, data=data, csrf=False,
                                  headers={"X-CSRFToken": token})
        assert response.status_code == status, label
        if len(statements) > QUERY_BUDGET:
            over.append(statement_report(statements, f"htmx POST {url} ({label})"))
    assert not over, "\n".join(over)
