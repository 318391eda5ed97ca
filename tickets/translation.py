"""Translated text fields of ``tickets`` (django-modeltranslation), with fallback to English."""

from modeltranslation.translator import TranslationOptions, register

from .models import Macro


@register(Macro)
class MacroTranslation(TranslationOptions):
    fields = ("title", "body")
    fallback_languages = {"default": ("en",)}
