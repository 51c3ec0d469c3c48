"""Own your data in a real browser on a phone: take a copy (the page polls with htmx while
it is built, then offers the download), download the JSON, bring in a Daylio file after its
preview, delete the account; axe and 44 px targets on every new page, light and dark."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from tests import factories
from tests.e2e.conftest import Account, BrowserWatch, LiveServer, sign_in
from tests.e2e.test_accessibility import axe_context, axe_violations, check_tap_targets
from webapp.account.tables import rows_of, user_tables
from webapp.clock import now_utc
from webapp.extensions import db
from webapp.models import DataExport, MoodCheckin, User

pytestmark = pytest.mark.e2e

DAYLIO = (
    "full_date,date,weekday,time,mood,activities,note_title,note\n"
    '2024-03-01,March 1,Friday,20:15,rad,"exercise | reading","",Long walk\n'
    '2024-03-02,March 2,Saturday,21:00,sleepy,"reading",,\n'
)


def open_your_data(page: Page) -> None:
    page.get_by_role("link", name="More").tap()
    page.get_by_role("link", name="Your data: export or delete").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")


# Werkzeug's development server (the live server here, never production's gunicorn) skips
# closing a response when the browser drops the connection after a download while the
# server drains the socket (serving.py, `execute`'s finally): the export file's handle is
# then closed by the garbage collector instead. Only that warning, only here.
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in.*onward-exports:pytest.PytestUnraisableExceptionWarning")
def test_take_a_copy_watch_it_get_ready_and_download_it(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account,
    tmp_path: Path,
):
    page = signed_in_page
    with live_server.db():
        user = factories.user_by_id(account.id)
        factories.make_checkin(user, 4, note="a calm evening walk")
        # One still being built: the page shows its progress and asks again until it's done.
        job = factories.make_export_job(user, status="running")
        job_id = job.id
    open_your_data(page)
    expect(page.get_by_text("Putting your file together")).to_be_visible()
    expect(page.locator("#export-progress")).to_have_attribute("value", "25")
    with live_server.db():
        running = db.session.get(DataExport, job_id)
        running.status, running.rows_done = "failed", 4  # it died; the poll must show that
        db.session.commit()
    expect(page.get_by_text("Something went wrong while we made your file")).to_be_visible()

    # A new one, made through the form: built on the queue, then the download is offered.
    page.get_by_label("What kind of file").select_option("json")
    page.get_by_role("button", name="Make my file").tap()
    expect(page.locator("#flashes")).to_contain_text("putting your file together")
    link = page.get_by_role("link", name="Download your data")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.tap()
    saved = tmp_path / "export.json"
    info.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["format"] == "onward-export"
    assert [c["note"] for c in data["tables"]["mood_checkins"]] == ["a calm evening walk"]
    assert data["tables"]["users"][0]["email"] == account.email
    assert "password_hash" not in saved.read_text()
    watch.assert_clean()


def test_bring_in_a_daylio_file_after_its_preview(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account,
    tmp_path: Path,
):
    page = signed_in_page
    csv_file = tmp_path / "daylio_export.csv"
    csv_file.write_text(DAYLIO)
    open_your_data(page)
    page.get_by_role("link", name="From Daylio (.csv)").tap()
    page.get_by_label("Your Daylio export (.csv)").set_input_files(str(csv_file))
    page.get_by_role("button", name="Show me what it adds").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("What your Daylio file adds")
    expect(page.get_by_text("reading → a new habit")).to_be_visible()
    with live_server.db():
        assert db.session.scalar(select(func.count()).select_from(MoodCheckin).where(
            MoodCheckin.user_id == account.id)) == 0  # the preview wrote nothing
    page.get_by_label('How does "sleepy" feel?').select_option("2")
    page.get_by_role("button", name="Add them").tap()
    expect(page.locator("#flashes")).to_contain_text("Added 2 check-ins")
    with live_server.db():
        moods = sorted(db.session.scalars(select(MoodCheckin.mood).where(
            MoodCheckin.user_id == account.id)))
    assert moods == [2, 5]
    watch.assert_clean()


def test_delete_the_account(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account,
    watched_context,
):
    page = signed_in_page
    with live_server.db():
        user = factories.user_by_id(account.id)
        factories.make_checkin(user, 3)
        token = factories.make_share_link(user).token
    mentor = watched_context().new_page()
    assert mentor.goto(f"/s/{token}").status == 200
    open_your_data(page)
    page.get_by_role("link", name="Delete my account…").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    page.get_by_label('Type "delete" (or your email) to confirm').fill("not sure")
    page.get_by_role("button", name="Delete my account and everything in it").tap()
    expect(page.locator(".error")).to_contain_text("doesn't match")
    page.get_by_label('Type "delete" (or your email) to confirm').fill("delete")
    page.get_by_role("button", name="Delete my account and everything in it").tap()
    expect(page.locator("#flashes")).to_contain_text("Your account and everything in it")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    with live_server.db():
        assert db.session.get(User, account.id) is None
        left = {t.name for t in user_tables() if db.session.scalar(
            select(func.count()).select_from(t).where(rows_of(t, account.id)))}
        assert not left, left
    page.goto("/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert mentor.goto(f"/s/{token}").status == 404
    watch.expect_console_error(r"status of (404|422)")
    watch.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_own_your_data_pages_pass_axe_and_keep_44px_targets(
    scheme, watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account,
    tmp_path: Path,
):
    with live_server.db():
        user = factories.user_by_id(account.id)
        factories.make_export_job(user, status="running")
        ready = factories.make_export_job(user, status="ready")
        ready.expires_at = now_utc() + timedelta(hours=20)
        db.session.commit()
    watch.expect_console_error(r"status of 422")
    page = axe_context(watched_context, color_scheme=scheme).new_page()
    problems: dict[str, list[str]] = {}
    small: list[str] = []

    def check(label: str, url: str | None = None, *, taps: bool = True) -> None:
        if url is not None:
            page.goto(url)
        problems[label] = axe_violations(page)
        if taps:
            small.extend(check_tap_targets(page, label))

    check("privacy, signed out", "/account/privacy")
    # The sign-up page's own targets are test_accessibility's; here: its new link.
    check("sign up, with the privacy link", "/auth/register", taps=False)
    sign_in(page, account)
    check("your data, a file ready", "/account/data")
    check("import json", "/account/data/import")
    page.get_by_role("button", name="Check and bring in").tap()
    expect(page.locator(".error").first).to_be_visible()
    check("import json, with errors")
    check("daylio", "/account/data/daylio")
    csv_file = tmp_path / "daylio.csv"
    csv_file.write_text(DAYLIO)
    page.get_by_label("Your Daylio export (.csv)").set_input_files(str(csv_file))
    page.get_by_role("button", name="Show me what it adds").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("What your Daylio file adds")
    check("daylio preview")
    check("delete", "/account/delete")
    page.get_by_role("button", name="Delete my account and everything in it").tap()
    expect(page.locator(".error").first).to_be_visible()
    check("delete, with errors")
    check("privacy, signed in", "/account/privacy")
    failing = {label: found for label, found in problems.items() if found}
    assert not failing, f"axe violations ({scheme}): {failing}"
    assert not small, "\n".join(small)
    watch.assert_clean()
