"""``/desk/disputes/risk/``: outcomes and risk of disputes, for managers only (agents get 403).

GET shows the win rates (by reason, by packet completeness), each provider's dispute rate per month for the last
12 months against the card-network lines (CSS bars, no chart library), the PayPal loss run and the risk alerts.
POST acknowledges one open alert (``risk_services.risk_alert_acknowledge``) and redirects back. A fixed number of
queries whatever the number of disputes.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import risk
from ..choices import DisputeProvider
from ..risk_services import risk_alert_acknowledge

manager_required = permission_required("aftersales.access_dashboard", raise_exception=True)
MONTHS = 12


@login_required
@manager_required
@require_http_methods(["GET", "POST"])
def page(request):
    if request.method == "POST":
        try:
            alert_id = int(request.POST.get("acknowledge", ""))
        except ValueError:
            alert_id = 0
        if alert_id and risk_alert_acknowledge(alert_id=alert_id, user=request.user):
            messages.success(request, _("The alert was acknowledged."))
        else:
            messages.error(request, _("This alert does not exist or was already acknowledged."))
        return redirect("disputes-desk:risk")
    now = timezone.now()
    rates = risk.dispute_rates(months=MONTHS, now=now)
    lines = risk.rate_lines_on(risk.month_start(now.date()))
    scale = max([line.ratio_bps for line in lines] + [row.rate_bps or 0 for row in rates]) * 1.1 or 1
    providers = []
    for value, label in DisputeProvider.choices:
        rows = [{"row": row, "width": round(100 * (row.rate_bps or 0) / scale, 1)}
                for row in rates if row.provider == value]
        providers.append({"provider": value, "label": label, "rows": rows})
    context = {
        "overall": risk.win_rate_overall(), "by_reason": risk.win_rates_by_reason(),
        "by_completeness": risk.win_rates_by_completeness(), "providers": providers,
        "lines": [{"line": line, "left": round(100 * line.ratio_bps / scale, 1)} for line in lines],
        "loss_run": risk.paypal_loss_run(), "alerts": risk.recent_risk_alerts(), "now": now,
        "to_date_day": risk.TO_DATE_MIN_DAYS + 1, "to_date_settled": risk.TO_DATE_MIN_SETTLED,
    }
    return render(request, "disputes/desk/risk.html", context)
