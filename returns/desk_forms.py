"""Forms of the return desk: the queue's filters and each action an agent takes on a case."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.models import Market
from aftersales.money import CurrencyError, to_minor
from policies.choices import ReturnReason

from .choices import CaseKind, CaseStatus, Disposition, Grade


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("open", _("Open")), ("", _("All")), *list(CaseStatus.choices)])
    market = forms.ChoiceField(label=_("Market"), required=False)
    reason = forms.ChoiceField(label=_("Reason"), required=False,
                               choices=[("", _("All")), *list(ReturnReason.choices)])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *list(CaseKind.choices)])
    older_than_days = forms.IntegerField(label=_("Older than (days)"), required=False, min_value=0)
    due_within_days = forms.IntegerField(label=_("Refund due within (days)"), required=False, min_value=0)
    q = forms.CharField(label=_("RMA, order or email"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[
        ("deadline", _("Refund deadline, soonest first")), ("-deadline", _("Refund deadline, latest first")),
        ("age", _("Oldest first")), ("-age", _("Newest first")), ("status", _("Status")), ("rma", _("RMA"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market"].choices = [("", _("All"))] + [(m.code, m.code) for m in Market.objects.all()]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm" if isinstance(
                field.widget, forms.Select) else "form-control form-control-sm"


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why (the customer reads this)"), widget=forms.Textarea(attrs={"rows": 2}))


class InspectForm(forms.Form):
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    disposition = forms.ChoiceField(label=_("Disposition"), choices=Disposition.choices)
    recovered = forms.DecimalField(label=_("Recovered"), required=False, min_value=Decimal(0), decimal_places=3)


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), required=False, min_value=Decimal("0.001"), decimal_places=3,
                                help_text=_("Leave empty to refund the estimate minus the lawful deductions."))
    reason = forms.CharField(label=_("Reason for a different amount"), required=False)

    def amount_minor(self, currency):
        amount = self.cleaned_data.get("amount")
        if amount is None:
            return None
        try:
            return to_minor(amount, currency)
        except CurrencyError as error:
            raise forms.ValidationError(str(error)) from None
