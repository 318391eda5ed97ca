"""Languages: English, Simplified Chinese, Spanish, German, French. Time is UTC in the database."""

from django.utils.translation import gettext_lazy as _

from .core import BASE_DIR

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("es", _("Spanish")),
    ("de", _("German")),
    ("fr", _("French")),
]
# Each language's own name, for the switcher (a reader looks for their language in their language).
LANGUAGE_NATIVE_NAMES = {"en": "English", "zh-hans": "简体中文", "es": "Español", "de": "Deutsch", "fr": "Français"}
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
