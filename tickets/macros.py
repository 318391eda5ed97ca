"""Macros: prepared answers an agent inserts into a reply, in the ticket's language, with its variables filled.

A macro's text names variables as ``{customer_name}``, ``{order_number}``, ``{tracking_link}``,
``{policy_link}`` and ``{portal_link}``. Macros are written by managers in the admin, so the text is not trusted
as a format string: only a bare known name is replaced; anything else in braces (an unknown name, ``{0}``,
``{customer_name.__class__}``, ``{order_number[0]}``, a format spec or conversion) is left exactly as written,
and malformed braces never raise. ``{{`` and ``}}`` stand for literal braces, as in ``str.format_map``.
"""

from __future__ import annotations

import re
import string

from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from aftersales.models import Order, Shipment

from .models import Macro, Ticket

VARIABLES = ("customer_name", "order_number", "tracking_link", "policy_link", "portal_link")
_BARE_VARIABLE = re.compile(r"\{(" + "|".join(VARIABLES) + r")\}")


def _field_name(language: str) -> str:
    """The modeltranslation suffix of a language code: "zh-hans" -> "zh_hans"."""
    return (language or "en").replace("-", "_").lower()


def absolute_url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def ticket_order(ticket: Ticket) -> Order | None:
    """The order the conversation is about: the ticket's own, else the customer's latest."""
    if ticket.order_id:
        return ticket.order
    return Order.objects.filter(customer_id=ticket.customer_id).select_related("market").order_by(
        "-placed_at", "-id").first()


def portal_link(*, language: str, base_url: str) -> str:
    with translation.override(language):
        return absolute_url(base_url, reverse("portal"))


def policy_link(order: Order | None, *, language: str, base_url: str) -> str:
    """The public returns-policy page of the order's market, in ``language``; empty without an order."""
    if order is None:
        return ""
    with translation.override(language):
        return absolute_url(base_url, reverse("policies:returns", args=[order.market.code.lower()]))


def macro_context(ticket: Ticket, *, base_url: str) -> dict[str, str]:
    """The values of ``VARIABLES`` for ``ticket``; every value is a plain string (empty when unknown)."""
    language = ticket.language or "en"
    order = ticket_order(ticket)
    shipment = (Shipment.objects.filter(order=order).order_by("-created_at", "-id").first()
                if order is not None else None)
    with translation.override(language):
        name = (ticket.customer.name or "").strip() or pgettext(
            "how a customer is addressed when we do not know their name", "customer")
    return {
        "customer_name": str(name),
        "order_number": order.number if order is not None else "",
        "tracking_link": (shipment.tracking_url or "") if shipment is not None else "",
        "policy_link": policy_link(order, language=language, base_url=base_url),
        "portal_link": portal_link(language=language, base_url=base_url),
    }


def fill(text: str, values: dict[str, str]) -> str:
    """``text.format_map(values)`` made safe: bare known names are replaced, everything else stays as written."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:  # a lone "{" or "}": replace what is clearly a variable, keep the rest verbatim
        return _BARE_VARIABLE.sub(lambda match: values.get(match[1], match[0]), text)
    out = []
    for literal, field, spec, conversion in parts:
        out.append(literal)
        if field is None:
            continue
        if field in values and not spec and not conversion:
            out.append(str(values[field]))
        else:
            out.append("{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return "".join(out)


def _translated(macro: Macro, field: str, language: str) -> str:
    return (getattr(macro, f"{field}_{_field_name(language)}", None) or getattr(macro, f"{field}_en", None)
            or getattr(macro, field) or "")


def macro_title(macro: Macro, language: str) -> str:
    return _translated(macro, "title", language)


def render_macro(macro: Macro, ticket: Ticket, *, base_url: str, values: dict[str, str] | None = None) -> str:
    """The macro's text in the ticket's language (English where it has no translation), variables filled.
    ``values`` is ``macro_context(ticket)`` when the caller renders several macros (it reads the order once)."""
    body = _translated(macro, "body", ticket.language or "en")
    return fill(body, values if values is not None else macro_context(ticket, base_url=base_url))


def macros_for(ticket: Ticket) -> list[tuple[Macro, str]]:
    """The active macros, in their order, each with its title in the ticket's language."""
    language = ticket.language or "en"
    return [(macro, macro_title(macro, language)) for macro in Macro.objects.filter(active=True)]
