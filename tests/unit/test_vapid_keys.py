"""The VAPID key pair: from the environment, or made once in the instance folder, private
(0600), and one pair even when two processes start at the same moment."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest
from py_vapid import Vapid02

from webapp import create_app
from webapp.config import TestConfig
from webapp.reminders.vapid import (
    b64url,
    create_key_file,
    load_key_file,
    load_keys,
    public_key_of,
)


def test_a_key_is_made_once_and_kept_private(tmp_path):
    path = tmp_path / "instance" / "vapid_private.pem"
    first = load_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_key_of(load_key_file(path)) == public_key_of(first)
    # The public key is an uncompressed P-256 point: 65 bytes, starting 0x04.
    assert len(public_key_of(first)) == 87


def test_two_makers_at_once_end_with_the_first_ones_key(tmp_path):
    """Both passed the "is there a key?" check before either wrote: the second keeps the
    first's key instead of replacing it, and no temporary file is left behind."""
    path = tmp_path / "vapid_private.pem"
    first = create_key_file(path)
    second = create_key_file(path)
    assert public_key_of(second) == public_key_of(first)
    assert [p.name for p in tmp_path.iterdir()] == ["vapid_private.pem"]


def _make_key(path: str, barrier, results) -> None:
    barrier.wait(timeout=60)  # both processes ask for the key at the same moment
    results.put(public_key_of(load_key_file(Path(path))))


def test_two_processes_starting_together_share_one_key(tmp_path):
    path = str(tmp_path / "vapid_private.pem")
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    makers = [context.Process(target=_make_key, args=(path, barrier, results))
              for _ in range(2)]
    for maker in makers:
        maker.start()
    keys = [results.get(timeout=60) for _ in makers]
    for maker in makers:
        maker.join(timeout=60)
        assert maker.exitcode == 0
    assert keys[0] == keys[1] == public_key_of(load_key_file(Path(path)))
    assert [p.name for p in tmp_path.iterdir()] == ["vapid_private.pem"]


def _app(**config):
    return create_app(type("VapidConfig", (TestConfig,), config))


def test_keys_from_the_environment_write_nothing(tmp_path):
    vapid = Vapid02()
    vapid.generate_keys()
    raw = b64url(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))
    app = _app(VAPID_PRIVATE_KEY=raw, VAPID_PUBLIC_KEY=public_key_of(vapid),
               VAPID_SUBJECT="mailto:ops@example.org",
               VAPID_KEY_FILE=str(tmp_path / "unused.pem"))
    keys = load_keys(app)
    assert keys.public_key == public_key_of(vapid)
    assert keys.subject == "mailto:ops@example.org"
    assert not (tmp_path / "unused.pem").exists()
    # PEM text works too.
    pem = vapid.private_pem().decode()
    assert load_keys(_app(VAPID_PRIVATE_KEY=pem)).public_key == public_key_of(vapid)


def test_a_public_key_that_does_not_match_is_refused():
    one, other = Vapid02(), Vapid02()
    one.generate_keys()
    other.generate_keys()
    raw = b64url(one.private_key.private_numbers().private_value.to_bytes(32, "big"))
    with pytest.raises(RuntimeError, match="VAPID_PUBLIC_KEY"):
        load_keys(_app(VAPID_PRIVATE_KEY=raw, VAPID_PUBLIC_KEY=public_key_of(other)))


def test_the_subject_defaults_to_the_mail_sender(tmp_path):
    app = _app(VAPID_KEY_FILE=str(tmp_path / "k.pem"), MAIL_FROM="Onward <hello@onward.example>")
    assert load_keys(app).subject == "mailto:hello@onward.example"
