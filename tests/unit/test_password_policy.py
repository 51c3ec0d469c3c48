"""Password policy and hashing (TRUST.md SEC-01, SEC-02, SEC-04)."""

import pytest
from argon2 import extract_parameters
from flask import current_app
from werkzeug.security import generate_password_hash

from webapp import create_app
from webapp.auth.passwords import (
    common_passwords,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from webapp.config import Config, ProdConfig


@pytest.fixture(autouse=True)
def app_context():
    with create_app("testing").app_context():
        yield


@pytest.mark.parametrize(
    "password",
    [
        "short pass1",  # 11 characters
        "password1234",  # a common password with digits tacked on
        "Password1234!",
        "iloveyou2024!!",
        "Onward2024!!",  # the app's name
        "jobjournal2026",
        "aaaaaaaaaaaaaaaa",  # one letter repeated
    ],
)
def test_weak_passwords_are_refused(password):
    assert password_problem(password) is not None


def test_the_users_own_name_is_refused():
    assert password_problem("Margaret1990!", personal=("Margaret", "mags")) is not None
    assert password_problem("Margaret1990!") is None


@pytest.mark.parametrize(
    "password",
    [
        "a calm walk by the river",
        "twelve chars",  # exactly 12
        "🌱🌿🌳🍀🌻🌼🌷🌹🌺🌸💐🌾" * 8,  # 96 emoji, no ASCII at all
        "x" * 10 + "Ünïcødé wörds",
    ],
)
def test_long_or_unusual_passwords_are_fine(password):
    assert password_problem(password) is None


def test_no_composition_rules_and_no_truncation():
    assert password_problem("all lower case words here") is None
    base = "b" * 72
    first, second = base + "first tail", base + "second tail"
    stored = hash_password(first)
    assert verify_password(stored, first)
    assert not verify_password(stored, second)  # bytes after 72 still count


def test_the_bundled_list_is_big_enough():
    words = common_passwords()
    assert len(words) >= 3000
    assert {"password", "123456", "qwerty"} <= words


def test_hashes_are_argon2id_at_or_above_the_asvs_floor():
    # With the parameters every app but the test suite's uses (DevConfig and ProdConfig).
    current_app.config.update(ARGON2_TIME_COST=Config.ARGON2_TIME_COST,
                              ARGON2_MEMORY_KIB=Config.ARGON2_MEMORY_KIB,
                              ARGON2_PARALLELISM=Config.ARGON2_PARALLELISM)
    stored = hash_password("a calm walk by the river")
    assert stored.startswith("$argon2id$")
    params = extract_parameters(stored)
    assert params.time_cost >= 2
    assert params.memory_cost >= 19 * 1024
    assert verify_password(stored, "a calm walk by the river")
    assert not verify_password(stored, "a calm walk by the rivers")


def test_production_parameters_are_stronger_than_the_floor():
    assert ProdConfig.ARGON2_TIME_COST >= 3
    assert ProdConfig.ARGON2_MEMORY_KIB >= 64 * 1024


def test_legacy_werkzeug_hashes_still_verify_and_ask_to_be_upgraded():
    legacy = generate_password_hash("a calm walk by the river")
    assert legacy.startswith("scrypt:")
    assert verify_password(legacy, "a calm walk by the river")
    assert not verify_password(legacy, "wrong")
    assert needs_rehash(legacy)
    assert not needs_rehash(hash_password("a calm walk by the river"))


def test_unknown_account_still_costs_a_hash_and_fails():
    assert verify_password(None, "anything at all here") is False
