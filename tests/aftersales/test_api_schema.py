"""The OpenAPI schema validates with no warning, and the docs page is self-hosted: no CDN, no outside URL."""

from __future__ import annotations

import io
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

STORE_PATHS = ["/api/v1/orders/", "/api/v1/orders/bulk/", "/api/v1/shipments/", "/api/v1/tracking-events/"]


def test_schema_validates_without_a_single_warning(tmp_path):
    """``manage.py spectacular --validate --fail-on-warn``: raises on any warning or an invalid document."""
    target = tmp_path / "schema.yml"
    err = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stderr=err)
    assert "Warning" not in err.getvalue(), err.getvalue()
    assert "Error" not in err.getvalue(), err.getvalue()
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    for path in STORE_PATHS:
        assert "post" in schema["paths"][path], path
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey", "in": "header", "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"'}
    amount = schema["components"]["schemas"]["OrderInputRequest"]["properties"]["total"]
    assert (amount["type"], amount["pattern"]) == ("string", r"^\d+(\.\d+)?$")


@pytest.mark.django_db
def test_schema_is_served(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert sorted(path for path in response.json()["paths"] if path in STORE_PATHS) == sorted(STORE_PATHS)


@pytest.mark.django_db
def test_docs_page_renders_from_our_own_static_files_only(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "SwaggerUIBundle" in html
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []  # no absolute or protocol-relative URL at all
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 4  # favicon, stylesheet, bundle, standalone preset
    for asset in assets:
        assert asset.startswith("/static/drf_spectacular_sidecar/swagger-ui-dist/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not among our static files"
    assert '"validatorUrl": null' in html  # no badge fetched from the online validator
