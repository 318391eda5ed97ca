"""The shell around the product: the start page, health, and the staff areas' front doors."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from aftersales import health
from aftersales.roles import is_agent, is_manager


@require_GET
def home(request):
    """Staff land where their role works; everyone else is a customer and goes to the portal."""
    user = request.user
    if is_agent(user):
        return redirect("desk")
    if is_manager(user):
        return redirect("dashboard")
    if user.is_authenticated and user.is_staff:
        return redirect("admin:index")
    return redirect(f"/{get_language() or 'en'}/portal/")


@never_cache
@require_GET
def healthz(request):
    ok, body = health.overall()
    return JsonResponse(body, status=200 if ok else 503)


@login_required
@permission_required("aftersales.access_desk", raise_exception=True)
def desk(request):
    return render(request, "aftersales/desk/index.html")
