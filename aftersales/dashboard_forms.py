"""Forms of the manager dashboard: the filters every dashboard page and export carries in its query string.

An unknown code is refused with the field's translated message and the page then shows every market, channel
and provider (the form's errors say which filter was ignored); a wrong filter never shows a silently empty page.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.audit import drilldown
from aftersales.audit.metrics import Filters


class DashboardFilterForm(forms.Form):
    market = forms.ChoiceField(label=_("Market"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    provider = forms.ChoiceField(label=_("Payment provider"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in drilldown.filter_choices().items():
            self.fields[name].choices = [("", _("All")), *choices]
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> Filters:
        """The filters to apply: the valid ones, or none when any is wrong."""
        if not self.is_valid():
            return Filters()
        return Filters(**{name: self.cleaned_data.get(name) or "" for name in drilldown.FILTER_DIMENSIONS})
