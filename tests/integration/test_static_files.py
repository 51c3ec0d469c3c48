"""Static files: built once per content (fingerprinted, compressed) and served by WhiteNoise in
front of Flask, so they cost no session and no database (TRUST.md PERF-05)."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pytest
from flask import request_started
from sqlalchemy import event

from webapp import create_app, static_files
from webapp.config import ROOT, ProdConfig, TestConfig
from webapp.extensions import db
from webapp.static_files import build, fingerprinted_name

COMPRESSIBLE = frozenset(TestConfig.COMPRESS_MIMETYPES)


def _build_at_once(source: str, build_root: str, barrier, results) -> None:
    barrier.wait()  # every process starts building at the same moment
    folder, manifest = build(Path(source), Path(build_root), COMPRESSIBLE)
    results.put((str(folder), manifest))


def test_processes_starting_together_share_one_complete_build(tmp_path):
    source = tmp_path / "static"
    shutil.copytree(ROOT / "static", source)
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    processes = [ctx.Process(target=_build_at_once, args=(str(source), str(tmp_path / "build"),
                                                           barrier, results))
                 for _ in range(4)]
    for process in processes:
        process.start()
    answers = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert len({folder for folder, _ in answers}) == 1
    folder = Path(answers[0][0])
    assert [p.name for p in (tmp_path / "build").iterdir()] == [folder.name]  # no leftovers
    for name, hashed in answers[0][1].items():
        for copy in (name, hashed):
            assert (folder / copy).read_bytes() == (source / name).read_bytes(), copy


def test_a_change_makes_a_new_build_and_a_new_fingerprint(tmp_path):
    source = tmp_path / "static"
    (source / "css").mkdir(parents=True)
    (source / "css" / "app.css").write_text("body { color: black; }\n" * 40)
    first, before = build(source, tmp_path / "build", COMPRESSIBLE)
    again, same = build(source, tmp_path / "build", COMPRESSIBLE)
    assert (again, same) == (first, before)
    (source / "css" / "app.css").write_text("body { color: navy; }\n" * 40)
    second, after = build(source, tmp_path / "build", COMPRESSIBLE)
    assert second != first and after["css/app.css"] != before["css/app.css"]
    assert after["css/app.css"].startswith("css/app.") and after["css/app.css"].endswith(".css")


def test_only_the_shared_list_of_types_is_compressed(tmp_path):
    source = tmp_path / "static"
    source.mkdir()
    for name in ("a.css", "a.js", "a.svg", "a.webmanifest", "a.png", "LICENSE"):
        (source / name).write_text("compressible text, said again and again. " * 50)
    folder, manifest = build(source, tmp_path / "build", COMPRESSIBLE)
    for name in ("a.css", "a.js", "a.svg", "a.webmanifest"):
        for copy in (name, manifest[name]):
            assert (folder / f"{copy}.br").is_file() and (folder / f"{copy}.gz").is_file(), copy
    for name in ("a.png", "LICENSE"):  # not in COMPRESS_MIMETYPES
        assert not list(folder.glob(f"{name}*.br")) and not list(folder.glob(f"{name}*.gz"))


def test_fingerprinted_names_keep_the_extension():
    assert fingerprinted_name("css/app.css", "abc") == "css/app.abc.css"
    assert fingerprinted_name("vendor/htmx/htmx-2.0.11.min.js", "abc") == (
        "vendor/htmx/htmx-2.0.11.min.abc.js")
    assert fingerprinted_name("vendor/htmx/LICENSE", "abc") == "vendor/htmx/LICENSE.abc"


def test_a_static_file_opens_no_session_and_touches_no_database(app, alice):
    """WhiteNoise answers before Flask: no request hooks, no user loader, no cookie."""
    hooks = []
    record = lambda sender, **extra: hooks.append(1)  # noqa: E731
    request_started.connect(record, app)
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with app.test_request_context():
            url = static_files.static_url("css/app.css")
        with alice.get(url, headers={"Accept-Encoding": "br"}) as response:
            assert response.status_code == 200
            assert response.headers["Content-Encoding"] == "br"
            assert "Accept-Encoding" in response.headers["Vary"]
            assert "Set-Cookie" not in response.headers
        assert alice.get("/account").status_code == 200  # the listener does see a page
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        request_started.disconnect(record, app)
    assert len(hooks) == 1 and statements  # only the page ran hooks and queries


def test_development_serves_edits_without_a_restart(tmp_path, monkeypatch):
    source = tmp_path / "static"
    shutil.copytree(ROOT / "static", source)
    monkeypatch.setattr(static_files, "SOURCE", source)
    app = create_app({"TESTING": True, "STATIC_AUTOREFRESH": True,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    client = app.test_client()
    with app.test_request_context():
        url = static_files.static_url("css/app.css")
    assert url == "/static/css/app.css"
    with client.get(url) as response:
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.data == (source / "css" / "app.css").read_bytes()
    (source / "css" / "app.css").write_text("body { color: rebeccapurple; }\n")
    with client.get(url) as response:
        assert response.data == b"body { color: rebeccapurple; }\n"


class _Production(ProdConfig):
    SECRET_KEY = "k" * 48  # noqa: S105
    TRUSTED_HOSTS = ["localhost"]
    SQLALCHEMY_DATABASE_URI = TestConfig.SQLALCHEMY_DATABASE_URI


@pytest.mark.parametrize("config", [TestConfig, _Production], ids=["testing", "production"])
def test_building_the_app_opens_no_database_connection(config):
    """gunicorn's preload_app builds the app once and forks the workers from it: a
    connection opened here would be shared by every worker."""
    connections = []
    from sqlalchemy.pool import Pool

    listener = lambda *args: connections.append(args)  # noqa: E731
    event.listen(Pool, "connect", listener)
    try:
        app = create_app(config)
    finally:
        event.remove(Pool, "connect", listener)
    assert connections == []
    with app.app_context():  # the same listener does see a real connection
        event.listen(Pool, "connect", listener)
        try:
            db.session.execute(db.select(1))
        finally:
            event.remove(Pool, "connect", listener)
            db.session.remove()
            db.engine.dispose()
    assert len(connections) == 1
