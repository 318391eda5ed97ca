"""Settings from the environment: one reader, one clear line on a bad value, secure in production."""

import os
from pathlib import Path

import pytest

from aftersales.env import Env, EnvError
from aftersales.management.commands.env_reference import render_example
from tests.processes import ROOT, manage

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "p9Vq3-k8Lz!w2Rt6yHc0Nf4Ub7Xe1Mj5Ga9Sd3Qo8Zi2Ly6Tk0Wb4Ev7Pn1Hx5Cu",
    "ALLOWED_HOSTS": "desk.example.com",
    "DATABASE_URL": "postgres://aftersales:pw@db.internal:5432/aftersales",
    "REDIS_URL": "redis://redis.internal:6379/0",
}


def clean_env(**values):
    """Only what a fresh shell has, plus ``values``: no variable of the developer's leaks in."""
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return {**keep, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "aftersales.settings", **values}


# -- the reader ---------------------------------------------------------------------------------------

def test_required_variable_missing_names_it_and_says_what_it_is():
    with pytest.raises(EnvError, match=r"^SECRET_KEY is required but not set: the signing key$"):
        Env({}).str("SECRET_KEY", help="the signing key")


@pytest.mark.parametrize(("method", "raw", "message"), [
    ("bool", "maybe", "DEBUG='maybe' is not a boolean (use true or false)"),
    ("int", "ten", "DEBUG='ten' is not a whole number"),
])
def test_malformed_value_is_named_with_the_rule(method, raw, message):
    with pytest.raises(EnvError) as raised:
        getattr(Env({"DEBUG": raw}), method)("DEBUG", help="x")
    assert str(raised.value) == message


def test_secret_value_is_never_echoed():
    with pytest.raises(EnvError) as raised:
        Env({"TOKEN": "hunter2"}).str("TOKEN", choices=["a", "b"], secret=True)
    assert "hunter2" not in str(raised.value)


def test_empty_value_means_default_and_values_are_parsed():
    env = Env({"A": "", "B": "on", "C": " 42 ", "D": "x, y ,,z"})
    assert env.str("A", "fallback") == "fallback"
    assert env.bool("B", False) is True
    assert env.int("C", 0, minimum=1) == 42
    assert env.list("D", []) == ["x", "y", "z"]
    assert list(env.declared) == ["A", "B", "C", "D"]


def test_int_below_minimum_is_refused():
    with pytest.raises(EnvError, match="EMAIL_PORT=0 is below the minimum of 1"):
        Env({"EMAIL_PORT": "0"}).int("EMAIL_PORT", 25, minimum=1)


# -- start-up: one line, no traceback ---------------------------------------------------------------------

@pytest.mark.parametrize(("values", "expected"), [
    ({"DEBUG": "false"}, "SECRET_KEY is required but not set"),
    ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
    ({"DEBUG": "false", "SECRET_KEY": "short"}, "SECRET_KEY is too short or too simple"),
    ({**PRODUCTION, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is required when DEBUG is off"),
    ({"DEBUG": "true", "DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL must point at PostgreSQL"),
    ({"DEBUG": "true", "DATABASE_URL": "not a url"}, "DATABASE_URL is not a database URL"),
    ({"DEBUG": "true", "REDIS_URL": "http://cache:6379"}, "REDIS_URL must start with redis://"),
    ({"DEBUG": "true", "STORE_BASE_CURRENCY": "XYZ"}, "STORE_BASE_CURRENCY='XYZ' is not an ISO 4217"),
    ({"DEBUG": "true", "STORE_TIME_ZONE": "Mars/Olympus"}, "STORE_TIME_ZONE='Mars/Olympus' is not an IANA"),
    ({"DEBUG": "true", "EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not a whole number"),
    ({"DEBUG": "true", "PAYPAL_MODE": "production"}, "PAYPAL_MODE='production' is not one of: sandbox, live"),
    ({"DEBUG": "true", "TRUSTED_PROXIES": "10.0.0.0/8,proxy"}, "TRUSTED_PROXIES: 'proxy' does not appear"),
])
def test_bad_configuration_stops_startup_with_one_clear_line(values, expected, tmp_path):
    result = manage(["check"], clean_env(VAR_DIR=str(tmp_path), **values))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: ")
    assert expected in lines[0]


def test_check_deploy_is_clean_with_production_values(tmp_path):
    result = manage(["check", "--deploy", "--fail-level", "WARNING"], clean_env(VAR_DIR=str(tmp_path), **PRODUCTION))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_development_runs_with_no_environment_at_all(tmp_path):
    result = manage(["check"], clean_env(DEBUG="true", VAR_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stderr


# -- the provider system checks ------------------------------------------------------------------------------

def run_checks(settings, **values):
    from aftersales.checks import check_provider_settings

    for name, value in values.items():
        setattr(settings, name, value)
    return [(message.id, message.msg) for message in check_provider_settings()]


def test_no_provider_configured_is_fine(settings):
    assert run_checks(settings) == []


def test_partly_configured_provider_is_an_error_naming_what_is_missing(settings):
    assert run_checks(settings, PAYPAL_CLIENT_ID="id", PAYPAL_CLIENT_SECRET="secret") == [
        ("aftersales.E001", "paypal is partly configured: PAYPAL_WEBHOOK_ID missing")]


def test_fully_configured_provider_passes(settings):
    assert run_checks(settings, STRIPE_SECRET_KEY="sk_test_abc", STRIPE_WEBHOOK_SECRET="whsec_abc") == []


def test_wrong_kind_of_stripe_key_is_an_error(settings):
    assert run_checks(settings, STRIPE_SECRET_KEY="pk_test_abc", STRIPE_WEBHOOK_SECRET="abc") == [
        ("aftersales.E002", "STRIPE_SECRET_KEY is not a Stripe secret key (sk_… or rk_…)"),
        ("aftersales.E003", "STRIPE_WEBHOOK_SECRET is not a webhook signing secret (whsec_…)"),
    ]


def test_partial_provider_fails_manage_check_in_a_real_process(tmp_path):
    result = manage(["check"], clean_env(DEBUG="true", VAR_DIR=str(tmp_path), WHATSAPP_ACCESS_TOKEN="t"))
    assert result.returncode == 1
    assert "aftersales.E001" in result.stderr
    assert "whatsapp sending is partly configured: WHATSAPP_PHONE_NUMBER_ID missing" in result.stderr


# -- the variables are documented where people look ----------------------------------------------------------

def test_env_example_is_the_generated_reference():
    assert (ROOT / ".env.example").read_text().strip() == render_example().strip(), (
        "regenerate: DEBUG=true python manage.py env_reference > .env.example")


def test_readme_documents_every_variable():
    from aftersales.env import env

    readme = (ROOT / "README.md").read_text()
    missing = [name for name in env.declared if f"`{name}`" not in readme]
    assert missing == []


def test_readme_starts_with_the_two_commands():
    readme = Path(ROOT / "README.md").read_text()
    blocks = [line.strip() for line in readme.split("```")[1].splitlines() if line.strip()]
    assert blocks == ["make demo", "make test"]
