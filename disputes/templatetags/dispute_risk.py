"""``{% risk_banner %}``: the open risk alerts of disputes, for managers, on the dispute desk's pages.

A template tag so that any desk page can show the banner with one line and one query (none for agents, who do not
see the risk numbers)."""

from django import template

from aftersales.roles import is_manager

from .. import risk

register = template.Library()


@register.inclusion_tag("disputes/desk/risk_banner.html", takes_context=True)
def risk_banner(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not is_manager(user):
        return {"alerts": [], "manager": False}
    alerts = risk.open_risk_alerts()
    return {"manager": True,
            "alerts": [{"alert": alert, "subject": risk.risk_alert_subject(alert)} for alert in alerts]}
