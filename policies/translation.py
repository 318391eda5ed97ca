"""Translated text fields of policies (django-modeltranslation), with fallback to English."""

from modeltranslation.translator import TranslationOptions, register

from .models import FaqEntry, PolicyVersion


@register(PolicyVersion)
class PolicyVersionTranslation(TranslationOptions):
    fields = ("title", "summary", "conditions", "return_address", "change_note")
    fallback_languages = {"default": ("en",)}


@register(FaqEntry)
class FaqEntryTranslation(TranslationOptions):
    fields = ("question", "answer")
    fallback_languages = {"default": ("en",)}
