"""Hosts, cookies, HTTPS. Secure by default with DEBUG off, so ``check --deploy`` is clean."""

from aftersales.env import EnvError, env

from .core import DEBUG

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [],
    help="Comma-separated host names this site answers to, e.g. desk.example.com.",
)
if not DEBUG and not ALLOWED_HOSTS:
    env.require("ALLOWED_HOSTS", "is required when DEBUG is off (e.g. desk.example.com)")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [],
                                help="Origins allowed to POST, e.g. https://desk.example.com.")

_secure = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", _secure,
                               help="Redirect http to https (default on when DEBUG is off).")
# Health checks come from inside the cluster over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env.bool("SECURE_PROXY_SSL_HEADER", False,
            help="Trust X-Forwarded-Proto from the reverse proxy in front of gunicorn."):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0,
                              help="HSTS max-age in seconds (default one year when DEBUG is off).")
SECURE_HSTS_INCLUDE_SUBDOMAINS = _secure
SECURE_HSTS_PRELOAD = _secure
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def _networks(name: str, values: list[str]) -> tuple:
    import ipaddress

    try:
        return tuple(ipaddress.ip_network(value, strict=False) for value in values)
    except ValueError as error:
        raise EnvError(f"{name}: {error}") from None


# The reverse proxies in front of gunicorn. A request from one of them names the visitor in X-Forwarded-For
# (aftersales/client_address.py); from anywhere else the header is ignored, so it cannot be forged.
TRUSTED_PROXIES = _networks("TRUSTED_PROXIES", env.list(
    "TRUSTED_PROXIES", [],
    help="Addresses or networks of the reverse proxies in front of gunicorn, e.g. 10.0.0.0/8; requests from "
         "them are attributed to the visitor named in X-Forwarded-For (portal rate limits)."))
