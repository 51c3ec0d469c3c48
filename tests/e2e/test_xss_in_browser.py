"""XSS in the browser (TRUST.md TST-07): a corpus of payloads goes into every text field of
every form the app shows, and then every page the app serves is loaded in Chromium. No
dialog opens, no script runs, no markup from user text comes alive (event attributes,
`javascript:` URLs, htmx attributes), and no request leaves for anything but the app's own
routes.

Nothing here lists forms or pages by hand. The forms are found the way a person finds them:
by walking the app's pages from Today and filling in every form that has a text box (the
pages are fetched with the test client; the browser then loads them all). A WTForms class
with a text field that the walk never managed to submit fails
`test_every_form_with_user_text_was_filled_with_the_corpus`, by name, unless
NOT_SHOWN_BACK says why its text never appears on a page.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask_wtf import FlaskForm
from playwright.sync_api import BrowserContext, Dialog, Page, Request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from wtforms import HiddenField, PasswordField, StringField

import webapp
from tests import factories
from tests.conftest import BrowserLikeClient, sign_in
from tests.e2e.conftest import BrowserWatch, LiveServer
from tests.integration.test_route_guards import OBJECT_ID_FACTORIES
from webapp import static_files
from webapp.applications.flow import STEP_KEYS

pytestmark = pytest.mark.e2e

MARK = "__xss__"
# Each payload, if it ever came alive, would open a dialog, run a script, fetch a URL with
# MARK in it, or leave an attribute naming MARK in the DOM.
CORPUS = [
    f'<script>alert("{MARK}")</script>',
    f'<img src=x onerror=alert("{MARK}")>',
    f'"><svg onload=alert("{MARK}")>',
    f"'><b onmouseover=alert('{MARK}')>",
    f'<svg><script>alert("{MARK}")</script></svg>',
    f'<a href="javascript:alert(\'{MARK}\')">tap</a>',
    f"[tap me](javascript:alert('{MARK}'))",
    f"![pic](/{MARK}/markdown-image.png)",
    f"![pic](https://evil.example/{MARK}.png)",
    f'<div hx-get="/{MARK}/hx" hx-trigger="load">x</div>',
    f'<span hx-on:htmx:load="alert(\'{MARK}\')" hx-post="/{MARK}/hx2" hx-trigger="load"></span>',
    f'</textarea></title><script>alert("{MARK}")</script>',
    f'<iframe src="javascript:alert(\'{MARK}\')"></iframe>',
    f'<b <i>unclosed "{MARK}\' <img src=/{MARK}/broken',
    f"<style>@import '/{MARK}/css';</style>",
    f'<meta http-equiv="refresh" content="0;url=/{MARK}/meta">',
    f'<form action="/{MARK}/form"><button formaction="javascript:alert(1)">go</button></form>',
    "{{7*7}} {% raw %} ${7*7}",
]
# Every WTForms field whose text is the user's own, except these.
TEXT_FIELDS = (StringField,)
NOT_TEXT = (PasswordField, HiddenField)
# Forms whose text boxes hold nothing that is shown back on a page, or whose text is the same
# column as a form that is filled (and why).
NOT_SHOWN_BACK = {
    "LoginForm": "email and password; never shown",
    "ForgotPasswordForm": "an email; the answer is the same page whatever it is",
    "ReauthForm": "a password",
    "ResetPasswordForm": "passwords",
    "ChangePasswordForm": "passwords",
    "DeleteAccountForm": "the typed confirmation (\"delete\" or the email); the account is gone after it",
    "ChangeEmailForm": "needs the password; the address is validated as an email",
    "RegisterForm": "its display name is ProfileForm's column, filled here",
    "SearchForm": "a GET form: its words are sent in the URL, loaded below as a page",
    "DetailFields": "a mixin of DetailsForm's fields",
    "ReachedOutForm": "its one field is which button was tapped, 0 or 1, nothing else taken",
}
PAGE_LIMIT = 120  # pages fetched in the walk
PER_ENDPOINT = 2  # pages the browser loads for each endpoint


# --- Reading forms and links out of HTML ----------------------------------------------------


@dataclass
class Input:
    tag: str
    type: str
    name: str
    value: str = ""
    checked: bool = False
    maxlength: int | None = None
    options: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    inputs: list[Input] = field(default_factory=list)


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._open: Input | None = None  # a select or textarea being read

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            action = a.get("hx-post") or a.get("action") or ""
            self._form = Form(a.get("method", "get").lower() if not a.get("hx-post") else "post",
                              action)
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select", "button"):
            if not a.get("name"):
                return
            if tag == "button" or a.get("type") == "submit":  # the button tapped is sent
                if a.get("type", "submit") == "submit":
                    self._form.inputs.append(Input("button", "submit", a["name"], a.get("value", "")))
                return
            item = Input(tag, a.get("type", "text").lower() if tag == "input" else tag,
                         a["name"], a.get("value", ""), "checked" in a,
                         int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None)
            self._form.inputs.append(item)
            if tag in ("select", "textarea"):
                self._open = item
        elif tag == "option" and self._open is not None:
            self._open.options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._open is not None and self._open.tag == "textarea":
            self._open.value += data

    def handle_endtag(self, tag):
        if tag in ("select", "textarea"):
            self._open = None
        elif tag == "form":
            self._form = None


TEXT_TYPES = {"text", "textarea", "search", "url", "email", "tel"}


def payload_for(start: int, limit: int | None, *, single: bool = False) -> str:
    """As much of the corpus as fits in `limit` characters, starting at payload `start`
    (so short fields do not all get the same first ones)."""
    chosen, total = [], 0
    for n in range(1 if single else len(CORPUS)):
        item = CORPUS[(start + n) % len(CORPUS)]
        if limit is None or total + len(item) + 2 <= limit:
            chosen.append(item)
            total += len(item) + 2
    # Commas between them: a list field (skills) takes each as an item of its own.
    return ", ".join(chosen) or CORPUS[-1][: limit or 1]


def fill(form: Form, start: int, *, plain_addresses: bool,
         keep_given: bool = False, single: bool = False) -> list[tuple[str, str]]:
    """The form's data: the corpus in every text box, a choice in every other control.
    `plain_addresses`: real email addresses and URLs; `keep_given`: text boxes that came
    filled in (a choice the page made, like which kind of activity) keep their value;
    `single`: one payload in each text box (for fields that take a short list)."""
    data: list[tuple[str, str]] = []
    radios_done: set[str] = set()
    radios = [i for i in form.inputs if i.type == "radio"]
    for n, item in enumerate(form.inputs):
        if item.type in TEXT_TYPES:
            if keep_given and item.value.strip():
                data.append((item.name, item.value))
            elif plain_addresses and item.type == "email":
                data.append((item.name, "someone@example.com"))
            elif plain_addresses and item.type == "url":
                data.append((item.name, "https://example.com/jobs/1"))
            else:
                data.append((item.name, payload_for(start + n, item.maxlength, single=single)))
        elif item.type == "radio":
            if item.name in radios_done:
                continue
            group = [r for r in radios if r.name == item.name]
            chosen = next((r for r in group if r.checked), group[len(group) // 2])
            data.append((item.name, chosen.value))
            radios_done.add(item.name)
        elif item.type == "submit":
            if item.name not in radios_done:  # the first button, as if tapped
                data.append((item.name, item.value))
                radios_done.add(item.name)
        elif item.type == "checkbox":
            if item.checked:
                data.append((item.name, item.value or "y"))
        elif item.type == "select":
            values = [v for v, _ in item.options]
            chosen = next((v for v, s in item.options if s), next((v for v in values if v), ""))
            data.append((item.name, chosen))
        elif item.type == "number" and not item.value:
            data.append((item.name, "1"))
        elif item.type != "file":
            data.append((item.name, item.value))
    return data


# --- The walk -------------------------------------------------------------------------------


@dataclass
class Walk:
    pages: dict[str, str] = field(default_factory=dict)  # path -> endpoint
    submitted: list[tuple[str, int, frozenset[str]]] = field(default_factory=list)


def endpoint_of(app, path: str, method: str = "GET") -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        return adapter.match(urlsplit(path).path, method=method)[0]
    except HTTPException:
        return None


def local(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(("/static/", "/auth/logout")) or MARK in href:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def walk(app, client: BrowserLikeClient, starts: list[str], *, fill_forms: bool,
         result: Walk) -> None:
    """Fetch pages breadth first from `starts`; with `fill_forms`, submit every new kind of
    form that has a text box (once per action and set of field names)."""
    queue, seen = list(starts), set(result.pages)
    seen_forms: set[tuple[str, frozenset[str]]] = set()
    while queue and len(seen) < PAGE_LIMIT:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        result.pages[path] = endpoint_of(app, path) or "?"
        parser = PageParser()
        parser.feed(response.get_data(as_text=True))
        for href in parser.links:
            target = local(href)
            if target and target not in seen:
                queue.append(target)
        if not fill_forms:
            continue
        for form in parser.forms:
            names = frozenset(i.name for i in form.inputs)
            texts = [i for i in form.inputs if i.type in TEXT_TYPES]
            if form.method != "post" or not texts or any(i.type == "password" for i in form.inputs):
                continue
            action = form.action or path
            key = (re.sub(r"\d+", "N", urlsplit(action).path), names)
            if key in seen_forms:
                continue
            seen_forms.add(key)
            status = 0
            # The corpus everywhere; if refused, real addresses; then the page's own choices.
            for plain, keep, single in ((False, False, False), (True, False, False),
                                        (True, True, False), (True, True, True)):
                answer = client.post(action, data=MultiDict(fill(
                    form, len(seen_forms), plain_addresses=plain, keep_given=keep, single=single)))
                status = answer.status_code
                if status < 400:
                    break
            result.submitted.append((action, status, names))
            redirect = answer.headers.get("Location")
            if redirect and local(redirect):
                queue.append(local(redirect))


def text_forms() -> dict[str, frozenset[str]]:
    """Every FlaskForm in the app with text fields: class name -> the text fields' names."""
    for module in pkgutil.walk_packages(webapp.__path__, "webapp."):
        importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = {}
    for cls in subclasses(FlaskForm):
        names = frozenset(
            name for name in dir(cls)
            if isinstance(field_class := getattr(getattr(cls, name), "field_class", None), type)
            and issubclass(field_class, TEXT_FIELDS) and not issubclass(field_class, NOT_TEXT)
        )
        if names and cls.__module__.startswith("webapp."):
            forms[cls.__name__] = names
    return forms


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer):
    """An account with one of everything, every form with text filled with the corpus, and
    the pages the walk found afterwards."""
    account = live_server.create_user("Robin")
    with live_server.db():
        user = factories.user_by_id(account.id)
        ids = {name: make(user) for name, make in OBJECT_ID_FACTORIES.items()}
        token = factories.make_share_link(user, show_company_names=True).token
    app = live_server.app
    client = BrowserLikeClient(app, app.response_class, use_cookies=True)
    sign_in(client, account.email)
    filled = Walk()
    # Today and the mentor's page lead everywhere, except to the rejection flow's later
    # steps, which open as the earlier ones are answered.
    steps = [f"/applications/reflections/{ids['reflection_id']}?step={key}" for key in STEP_KEYS]
    walk(app, client, ["/", f"/s/{token}", *steps], fill_forms=True, result=filled)
    pages = Walk()
    search = "/journal?" + urlencode({"q": CORPUS[0] + CORPUS[5]})
    walk(app, client, ["/", f"/s/{token}", search], fill_forms=False, result=pages)
    return account, filled, pages


def test_every_form_with_user_text_was_filled_with_the_corpus(seeded):
    _, filled, _ = seeded
    accepted = [names for _, status, names in filled.submitted if status < 400]
    missed = {
        name: sorted(fields) for name, fields in text_forms().items()
        if name not in NOT_SHOWN_BACK and not any(fields <= names for names in accepted)
    }
    refused = [(action, status) for action, status, _ in filled.submitted if status >= 400]
    assert not missed, (
        f"These forms' text fields were never submitted with the XSS corpus: {missed}. Make "
        f"the form reachable from a page the walk finds, or add it to NOT_SHOWN_BACK with the "
        f"reason its text is never shown. Forms refused: {refused}"
    )


@dataclass
class Alarm:
    dialogs: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)


DOM_CHECK = """(mark) => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase(), value = attr.value;
      if (name.startsWith("on")) found.push(`${el.tagName} ${name}`);
      if (/^\\s*javascript:/i.test(value)) found.push(`${el.tagName} ${name}=${value}`);
      if ((name.startsWith("hx-") || name.startsWith("data-hx")) && value.includes(mark))
        found.push(`${el.tagName} ${name}=${value}`);
    }
    if (["SCRIPT", "STYLE", "IFRAME", "META", "LINK"].includes(el.tagName)
        && el.outerHTML.includes(mark)) found.push(el.outerHTML.slice(0, 80));
  }
  return { found, ran: window.__xss === 1 };
}"""


def test_no_page_showing_the_corpus_runs_any_of_it(
    seeded, live_server: LiveServer, context: BrowserContext, watch: BrowserWatch
):
    account, _, pages = seeded
    alarm = Alarm()
    origin = urlsplit(live_server.url)
    # Our static files are served in front of the app (WhiteNoise), under these URLs only.
    static_urls = set(live_server.app.extensions[static_files.EXTENSION].urls.values())

    def on_request(request: Request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob"):
            return
        own = (url.scheme, url.netloc) == (origin.scheme, origin.netloc)
        known = own and (url.path in static_urls
                         or endpoint_of(live_server.app, url.path, request.method) is not None)
        # The test's own visit to the search page carries the corpus in its query string;
        # anything that user text made the page ask for would name MARK in its path.
        if not known or MARK in url.path:
            alarm.foreign_requests.append(f"{request.method} {request.url}")

    def on_dialog(dialog: Dialog) -> None:
        alarm.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    context.on("request", on_request)
    page: Page = context.new_page()
    page.on("dialog", on_dialog)
    # Signed in as a person would (her name is now a payload, so no greeting to check).
    page.goto("/auth/login")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    per_endpoint: dict[str, int] = {}
    visits, alive = [], {}
    for path, endpoint in pages.pages.items():
        if per_endpoint.get(endpoint, 0) >= PER_ENDPOINT:
            continue
        per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
        # htmx sends what a page asks for on load (hx-trigger="load") as it starts, before
        # the load event: the request listener has seen it by then.
        page.goto(path, wait_until="load")
        visits.append(path)
        result = page.evaluate(DOM_CHECK, MARK)
        if result["found"] or result["ran"]:
            alive[path] = result
    assert len(visits) >= 20, visits  # the walk really found the app's pages
    assert not alarm.dialogs, alarm.dialogs
    assert not alarm.foreign_requests, alarm.foreign_requests
    assert not alive, alive
    watch.assert_clean()  # no CSP violation: nothing even tried to run


def test_the_corpus_is_really_on_the_pages_it_was_typed_into(seeded, live_server: LiveServer):
    """The walk stored the payloads as text: they are on the pages, escaped."""
    account, _, pages = seeded
    app = live_server.app
    client = BrowserLikeClient(app, app.response_class, use_cookies=True)
    sign_in(client, account.email)
    showing = [path for path in pages.pages
               if "&lt;script&gt;alert(" in client.get(path).get_data(as_text=True)]
    assert len(showing) >= 10, showing
    query = dict(parse_qsl(urlsplit(next(p for p in pages.pages if "q=" in p)).query))
    assert MARK in query["q"]
