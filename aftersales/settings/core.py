"""Paths, apps, middleware, templates, authentication and static files."""

from pathlib import Path

from aftersales.env import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env.bool("DEBUG", False, help="Development mode: tracebacks in pages, insecure defaults allowed.")

VAR_DIR = Path(
    env.str("VAR_DIR", str(BASE_DIR / "var"),
            help="Folder for the embedded defaults: SQLite file, broker queue, cache, uploads.")
).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

_KEY_HELP = "Django's signing key: 50+ random characters. A development default exists only with DEBUG on."
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", "django-insecure-development-only-key", help=_KEY_HELP, secret=True)
else:
    SECRET_KEY = env.str("SECRET_KEY", help=_KEY_HELP, secret=True)
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        env.require("SECRET_KEY", "is too short or too simple: use 50+ random characters")

INSTALLED_APPS = [
    "modeltranslation",  # before admin, so that translated fields show there
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, no CDN (DESIGN section 3)
    "django_celery_beat",
    "anymail",  # inbound-mail webhooks of Mailgun, Postmark, SendGrid … (tickets)
    "aftersales",
    "policies",
    "returns",
    "tickets",
    "disputes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "aftersales.urls"
WSGI_APPLICATION = "aftersales.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aftersales.context_processors.shell",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(VAR_DIR / "media")}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads live outside the web root and are served only through access-checked views.
MEDIA_ROOT = VAR_DIR / "media"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "After-sales desk API",
    "DESCRIPTION": "Store ingestion and after-sales operations. Authenticate with `Authorization: Token <key>` "
                   "(a staff user's token: `manage.py drf_create_token <username>`).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Self-hosted Swagger UI (drf-spectacular-sidecar): no CDN, no online validator badge.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "aftersales.choices.OrderStatus",
        "PaymentStatusEnum": "aftersales.choices.PaymentStatus",
        "ShipmentStatusEnum": "aftersales.choices.ShipmentStatus",
        "OrderSourceEnum": "aftersales.choices.OrderSource",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str(
        "LOG_LEVEL", "INFO", help="Root log level.", choices=["DEBUG", "INFO", "WARNING", "ERROR"])},
}
