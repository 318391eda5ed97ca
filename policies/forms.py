"""The manager's draft form: every clause, and each text field in every supported language."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import PolicyVersion

CLAUSES = [
    "window_days", "requires_unused", "requires_original_packaging", "requires_tags", "final_sale_excluded",
    "return_shipping_payer", "return_shipping_fee_minor", "faulty_return_shipping_payer", "restocking_fee_percent",
    "fees_disclosed_before_purchase", "refund_days", "refund_day_kind", "returnless_threshold_minor",
    "not_received_offer", "not_received_percent", "notice_days",
]
TEXTS = ["title", "summary", "conditions", "return_address", "change_note"]


def language_suffixes():
    return [(code.replace("-", "_"), code) for code, _name in settings.LANGUAGES]


def text_fields():
    return [f"{name}_{suffix}" for suffix, _code in language_suffixes() for name in TEXTS]


class PolicyDraftForm(forms.ModelForm):
    class Meta:
        model = PolicyVersion
        fields = CLAUSES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in text_fields():
            model_field = PolicyVersion._meta.get_field(name)
            self.fields[name] = model_field.formfield(required=name == f"title_{settings.LANGUAGE_CODE}")
            if self.instance.pk:
                self.initial[name] = getattr(self.instance, name)
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            if isinstance(field.widget, forms.Select):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3

    def clause_fields(self):
        return [self[name] for name in CLAUSES]

    def text_fields_by_language(self):
        """[(suffix, code, [bound fields])] for the language tabs."""
        return [(suffix, code, [self[f"{name}_{suffix}"] for name in TEXTS]) for suffix, code in language_suffixes()]

    def text_cleaned(self):
        return {name: self.cleaned_data.get(name) or "" for name in text_fields()}

    def clause_cleaned(self):
        return {name: self.cleaned_data[name] for name in CLAUSES}


class ScheduleForm(forms.Form):
    effective_at = forms.DateTimeField(label=_("Takes effect"),
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local",
                                                                         "class": "form-control"}))
