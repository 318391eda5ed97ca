"""Template context shared by every page: the role-dependent navigation and the language switcher."""

from django.conf import settings

from .roles import is_agent, is_manager, role_label


def shell(request):
    user = getattr(request, "user", None)
    return {
        "store_name": settings.STORE_NAME,
        "nav_desk": bool(user and is_agent(user)),
        "nav_dashboard": bool(user and is_manager(user)),
        "role_label": role_label(user) if user and user.is_authenticated else "",
        "language_choices": [(code, settings.LANGUAGE_NATIVE_NAMES[code]) for code, _ in settings.LANGUAGES],
    }
