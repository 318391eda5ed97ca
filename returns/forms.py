"""Forms of the returns app's customer portal."""

from django import forms
from django.utils.translation import gettext_lazy as _

from policies.choices import ReturnReason

from .choices import Resolution
from .selectors import normalise_order_number


class OrderLookupForm(forms.Form):
    """Find my order: the order number and either the email address or the postcode it was placed with."""

    order_number = forms.CharField(
        label=_("Order number"), max_length=64,
        help_text=_("It is in your order confirmation email, for example #1001."),
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg", "autocomplete": "off",
                                      "autocapitalize": "characters", "spellcheck": "false"}))
    contact = forms.CharField(
        label=_("Email address or delivery postcode"), max_length=254,
        help_text=_("The email address you ordered with, or the postcode the order was sent to."),
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg", "autocomplete": "email",
                                      "spellcheck": "false"}))

    def clean_order_number(self):
        number = normalise_order_number(self.cleaned_data["order_number"])
        if not number:
            raise forms.ValidationError(_("Enter your order number."), code="required")
        return number


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one field; each is checked from its content later (``aftersales.uploads``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("Send at most %(count)s photos.") % {"count": MAX_PHOTOS})
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


MAX_PHOTOS = 5


class ReturnRequestForm(forms.Form):
    """Which items, why, in what state, and how the customer wants to be made whole."""

    reason = forms.ChoiceField(label=_("Why are you returning it?"), choices=ReturnReason.choices)
    unused = forms.BooleanField(label=_("The item is unused"), required=False, initial=True)
    original_packaging = forms.BooleanField(label=_("I still have the original packaging"), required=False,
                                            initial=True)
    comment = forms.CharField(label=_("Anything we should know?"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    resolution = forms.ChoiceField(label=_("What would you like?"), choices=[
        (Resolution.REFUND, Resolution.REFUND.label), (Resolution.STORE_CREDIT, Resolution.STORE_CREDIT.label),
        (Resolution.EXCHANGE, Resolution.EXCHANGE.label)], initial=Resolution.REFUND, widget=forms.RadioSelect)
    shipping_choice = forms.ChoiceField(label=_("Sending it back"), widget=forms.RadioSelect)
    photos = MultipleImageField(label=_("Photos (optional, up to 5)"), required=False)

    def __init__(self, *args, lines=(), shipping_options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for line, available in lines:
            name = f"qty_{line.pk}"
            self.fields[name] = forms.TypedChoiceField(  # a line left out of the post is a line not returned
                label=line.title, coerce=int, initial=0, required=False, empty_value=0,
                choices=[(n, n) for n in range(available + 1)])
            self.line_fields.append((line, name))
        self.fields["shipping_choice"].choices = list(shipping_options)
        if shipping_options:
            self.fields["shipping_choice"].initial = shipping_options[0][0]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select w-auto"
            else:
                widget.attrs["class"] = "form-control"

    def line_items(self):
        return [(line, self[name]) for line, name in self.line_fields]

    def other_fields(self):
        return [self[name] for name in ("reason", "unused", "original_packaging", "resolution", "shipping_choice",
                                        "photos", "comment")]

    def clean(self):
        cleaned = super().clean()
        if self.line_fields and not any(cleaned.get(name) for _line, name in self.line_fields):
            raise forms.ValidationError(_("Choose at least one item to return."))
        return cleaned

    def line_requests(self):
        from .services import LineRequest

        return [LineRequest(line, self.cleaned_data[name]) for line, name in self.line_fields
                if self.cleaned_data.get(name)]


class NotReceivedReportForm(forms.Form):
    """The customer declines the offer for a parcel marked delivered: what they want instead, and what happened."""

    wants = forms.ChoiceField(
        label=_("What would you like us to do?"), widget=forms.RadioSelect,
        choices=[(Resolution.REFUND, _("Refund my order")), (Resolution.REDELIVERY, _("Send my order again"))])
    comment = forms.CharField(
        label=_("Tell us what happened"), required=False, max_length=2000,
        help_text=_("For example: you checked with neighbours and the building's reception."),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))
