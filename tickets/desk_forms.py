"""Forms of the ticket desk."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Channel, TicketStatus

LANGUAGES = [("", _("Any language")), ("en", "English"), ("zh-hans", "简体中文"), ("es", "Español"),
             ("de", "Deutsch"), ("fr", "Français")]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("live", _("Not closed")), ("", _("Any status")), *TicketStatus.choices])
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("Any channel")),
                                                                              *Channel.choices])
    language = forms.ChoiceField(label=_("Language"), required=False, choices=LANGUAGES)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[
        ("reply_by", _("Reply due first")), ("priority", _("Highest priority first")),
        ("recent", _("Latest message first")), ("oldest", _("Waiting longest first")),
        ("created", _("Newest tickets first"))])
    q = forms.CharField(label=_("Search"), required=False, max_length=120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            kind = "form-control" if name == "q" else "form-select"
            field.widget.attrs["class"] = f"{kind} {kind}-sm"
        self.fields["q"].widget.attrs.update({"placeholder": _("Ticket, order, email"), "data-shortcut": "/"})


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), required=False, max_length=4096,
                           widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}))
    template = forms.CharField(label=_("Approved template name"), required=False, max_length=120,
                               widget=forms.TextInput(attrs={"class": "form-control"}))
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


