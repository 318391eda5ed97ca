"""The one reader of the process environment.

Every setting that comes from the environment is read here, through one ``Env`` instance, so that:

* a missing or malformed value stops start-up with one clear line (``EnvError``), never a traceback
  deep inside Django (``manage.py``, ``wsgi.py`` and ``celery.py`` print it and exit);
* every variable is declared once with its help text and group, which is what ``.env.example``,
  the README table and the provider system checks are checked against (see tests/aftersales/test_env.py);
* secrets are never echoed back in an error message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class EnvError(ImproperlyConfigured):
    """A required environment variable is missing or its value cannot be used."""


_REQUIRED = object()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str
    help: str
    group: str
    secret: bool
    default: Any


class Env:
    """Typed accessors over a mapping of environment variables, recording what they declared."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        self.environ = os.environ if environ is None else environ
        self.declared: dict[str, Variable] = {}

    # -- accessors ------------------------------------------------------------------------------

    def str(self, name, default=_REQUIRED, *, help="", group="core", secret=False, choices=None):
        raw = self._raw(name, "string", default, help, group, secret)
        if raw is None:
            return default
        value = raw.strip()
        if choices is not None and value not in choices:
            raise EnvError(f"{name}={self._show(raw, secret)} is not one of: {', '.join(choices)}")
        return value

    def bool(self, name, default=_REQUIRED, *, help="", group="core"):
        raw = self._raw(name, "boolean", default, help, group, False)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise EnvError(f"{name}={raw!r} is not a boolean (use true or false)")

    def int(self, name, default=_REQUIRED, *, help="", group="core", minimum=None):
        raw = self._raw(name, "integer", default, help, group, False)
        if raw is None:
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise EnvError(f"{name}={raw!r} is not a whole number") from None
        if minimum is not None and value < minimum:
            raise EnvError(f"{name}={value} is below the minimum of {minimum}")
        return value

    def list(self, name, default=_REQUIRED, *, help="", group="core"):
        raw = self._raw(name, "comma-separated list", default, help, group, False)
        if raw is None:
            return list(default)
        return [item.strip() for item in raw.split(",") if item.strip()]

    # -- internals ------------------------------------------------------------------------------

    def _raw(self, name, kind, default, help, group, secret):
        self.declared.setdefault(
            name,
            Variable(name=name, kind=kind, help=help, group=group, secret=secret,
                     default=None if default is _REQUIRED else default),
        )
        raw = self.environ.get(name)
        if raw is None or (raw.strip() == "" and default is not _REQUIRED):
            if default is _REQUIRED:
                raise EnvError(f"{name} is required but not set: {help or 'see .env.example'}")
            return None
        return raw

    @staticmethod
    def _show(raw, secret):
        return "<hidden>" if secret else repr(raw)

    def require(self, name, message):
        """Fail with ``message`` naming ``name``: used for rules that depend on other variables."""
        raise EnvError(f"{name} {message}")


env = Env()
