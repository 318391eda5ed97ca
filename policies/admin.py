"""Admin for policies: FAQ entries are edited here in every language; versions are read-only here because
drafts are edited, checked and scheduled in the desk (/desk/policies/), never changed after publication."""

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import FaqEntry, PolicyNotice, PolicyVersion


@admin.register(FaqEntry)
class FaqEntryAdmin(TranslationAdmin):
    list_display = ["question", "market", "topic", "position"]
    list_filter = ["market", "topic"]
    search_fields = ["question", "answer"]
    list_select_related = ["market"]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ["market", "number", "status", "effective_at", "window_days", "refund_days"]
    list_filter = ["market", "status"]
    list_select_related = ["market"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PolicyNotice)
class PolicyNoticeAdmin(admin.ModelAdmin):
    list_display = ["version", "email", "language", "sent_at"]
    list_filter = ["version__market", "sent_at"]
    search_fields = ["email"]
    list_select_related = ["version__market"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
