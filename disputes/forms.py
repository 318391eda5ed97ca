"""Forms of the dispute desk: the text evidence, an uploaded document, an offer and a message (PayPal)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DocumentKind
from .evidence import KIND_ORDER, TEXT_FIELD_MAX, TEXT_FIELDS

CONTROL = "form-control form-control-sm"
# The text fields an agent usually checks; the others are folded away on the page.
MAIN_FIELDS = ("product_description", "customer_name", "customer_email_address", "billing_address",
               "shipping_address", "shipping_carrier", "shipping_tracking_number", "shipping_date",
               "refund_policy_disclosure", "refund_refusal_explanation", "uncategorized_text")
LONG_FIELDS = {"product_description", "billing_address", "shipping_address", "refund_policy_disclosure",
               "refund_refusal_explanation", "cancellation_policy_disclosure", "cancellation_rebuttal",
               "duplicate_charge_explanation", "access_activity_log", "uncategorized_text"}
FIELD_LABELS = {
    "product_description": _("Product description"),
    "customer_name": _("Customer name"),
    "customer_email_address": _("Customer email address"),
    "customer_purchase_ip": _("Customer IP address at purchase"),
    "billing_address": _("Billing address"),
    "shipping_address": _("Shipping address"),
    "shipping_carrier": _("Shipping carrier"),
    "shipping_tracking_number": _("Tracking number"),
    "shipping_date": _("Shipping date"),
    "refund_policy_disclosure": _("Refund policy disclosure"),
    "refund_refusal_explanation": _("Refund refusal explanation"),
    "cancellation_policy_disclosure": _("Cancellation policy disclosure"),
    "cancellation_rebuttal": _("Cancellation rebuttal"),
    "duplicate_charge_explanation": _("Duplicate charge explanation"),
    "duplicate_charge_id": _("Duplicate charge id"),
    "access_activity_log": _("Access activity log"),
    "service_date": _("Service date"),
    "uncategorized_text": _("Summary for the bank"),
}


class EvidenceForm(forms.Form):
    """Every Stripe text field, pre-filled with what the packet will send (the records or the agent's edits)."""

    def __init__(self, *args, text: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TEXT_FIELDS:
            widget = (forms.Textarea(attrs={"rows": 3, "class": CONTROL}) if name in LONG_FIELDS
                      else forms.TextInput(attrs={"class": CONTROL}))
            self.fields[name] = forms.CharField(label=FIELD_LABELS[name], required=False, max_length=TEXT_FIELD_MAX,
                                                strip=True, widget=widget, initial=(text or {}).get(name, ""))

    def main_fields(self):
        return [self[name] for name in MAIN_FIELDS]

    def other_fields(self):
        return [self[name] for name in TEXT_FIELDS if name not in MAIN_FIELDS]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("What it shows"), choices=[(k.value, k.label) for k in KIND_ORDER],
                             initial=DocumentKind.SHIPPING_DOCUMENTATION)
    file = forms.FileField(label=_("File (PDF, JPEG, PNG or WebP)"))


class OfferForm(forms.Form):
    offer_type = forms.ChoiceField(label=_("Offer"), choices=[
        ("REFUND", _("Refund")), ("REFUND_WITH_RETURN", _("Refund after the item is returned")),
        ("REFUND_WITH_REPLACEMENT", _("Replacement"))],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=12, decimal_places=3, required=False,
                                widget=forms.NumberInput(attrs={"class": CONTROL, "step": "0.01"}))
    note = forms.CharField(label=_("Note to the buyer"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": CONTROL}))


class MessageForm(forms.Form):
    text = forms.CharField(label=_("Message to the buyer"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": CONTROL}))
