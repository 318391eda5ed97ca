"""The two staff roles and what each may do. Groups are created by migration; this module names them."""

from django.utils.translation import gettext_lazy as _

AGENT_GROUP = "Support agent"
MANAGER_GROUP = "Support manager"

ROLE_LABELS = {AGENT_GROUP: _("Support agent"), MANAGER_GROUP: _("Support manager")}

_SCHEDULE_MODELS = ["periodictask", "intervalschedule", "crontabschedule", "solarschedule", "clockedschedule"]
# What each role may do now, as "app_label.codename". Migrations create this state; a test keeps the two equal.
ROLE_PERMISSIONS = {
    AGENT_GROUP: ["aftersales.access_desk", "policies.view_policyversion", "policies.view_faqentry",
                  "tickets.view_macro"],
    MANAGER_GROUP: ["aftersales.access_desk", "aftersales.access_dashboard"] + [
        f"django_celery_beat.{action}_{model}" for model in _SCHEDULE_MODELS
        for action in ("add", "change", "delete", "view")] + [
        "policies.view_policyversion", "policies.add_policyversion", "policies.change_policyversion",
        "policies.view_faqentry", "policies.add_faqentry", "policies.change_faqentry", "policies.delete_faqentry"] + [
        f"tickets.{codename}" for codename in (
            "approve_refund", "view_refundapproval",
            "view_phraserule", "add_phraserule", "change_phraserule", "delete_phraserule",
            "view_macro", "add_macro", "change_macro", "delete_macro",
            "view_slapolicy", "add_slapolicy", "change_slapolicy",
            "view_businesscalendar", "add_businesscalendar", "change_businesscalendar",
            "view_holiday", "add_holiday", "change_holiday", "delete_holiday")],
}


def ensure_role_groups():
    """Create the role groups with their permissions where missing (after a database flush, in tests)."""
    from django.contrib.auth.models import Group, Permission

    for name, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def is_agent(user) -> bool:
    return user.is_authenticated and user.has_perm("aftersales.access_desk")


def is_manager(user) -> bool:
    return user.is_authenticated and user.has_perm("aftersales.access_dashboard")


def role_label(user) -> str:
    if user.is_superuser:
        return str(_("Administrator"))
    if is_manager(user):
        return str(ROLE_LABELS[MANAGER_GROUP])
    if is_agent(user):
        return str(ROLE_LABELS[AGENT_GROUP])
    return ""
