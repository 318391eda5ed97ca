"""Forms of ``tickets``."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ChatForm(forms.Form):
    text = forms.CharField(label=_("Your message"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))
    client_token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
