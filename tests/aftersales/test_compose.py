"""docker-compose.yml agrees with the settings: services, commands, health checks and variables.

No Docker engine runs here, so the file is parsed (and validated by Debian's docker-compose where it is
installed, as .ci/run does)."""

import re
import shutil
import subprocess

import pytest
import yaml

from aftersales.env import env
from tests.processes import ROOT

COMPOSE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


def test_services_are_the_five_of_the_design(compose):
    assert set(compose["services"]) == {"postgres", "redis", "web", "worker", "beat"}


def test_commands_run_gunicorn_worker_and_database_beat(compose):
    services = compose["services"]
    assert "gunicorn aftersales.wsgi" in services["web"]["command"]
    assert "manage.py migrate" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "aftersales", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "aftersales", "beat"]


def test_health_checks_and_startup_order(compose):
    services = compose["services"]
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_database_has_a_volume(compose):
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    assert "pgdata" in compose["volumes"]


def test_app_services_are_wired_to_postgres_and_redis(compose):
    for name in ("web", "worker", "beat"):
        environment = compose["services"][name]["environment"]
        assert re.fullmatch(r"postgres://aftersales:.*@postgres:5432/aftersales", environment["DATABASE_URL"])
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert environment["DEBUG"] == "false"


def test_every_variable_it_sets_is_one_the_settings_read(compose):
    environment = compose["services"]["web"]["environment"]
    unknown = sorted(set(environment) - set(env.declared))
    assert unknown == []
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "STRIPE_SECRET_KEY", "PAYPAL_CLIENT_SECRET", "WHATSAPP_APP_SECRET",
                 "MESSENGER_APP_SECRET", "EMAIL_HOST_PASSWORD", "SHOPIFY_WEBHOOK_SECRET"):
        assert name in environment, name


def test_no_secret_is_written_in_the_file(compose):
    environment = compose["services"]["web"]["environment"]
    for variable in env.declared.values():
        if variable.secret and variable.name in environment and variable.name not in ("DATABASE_URL", "REDIS_URL"):
            assert environment[variable.name].startswith("${"), variable.name


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="Debian's docker-compose is not installed")
def test_docker_compose_validates_the_file(tmp_path):
    result = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "-q"], cwd=tmp_path,
                            env={"SECRET_KEY": "x" * 50, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
