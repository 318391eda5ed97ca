"""``{% money amount_minor currency %}``: an amount in minor units shown in the viewer's language."""

from django import template
from django.utils.translation import get_language

from aftersales.money import format_money

register = template.Library()


@register.simple_tag
def money(amount_minor, currency):
    if amount_minor is None or not currency:
        return "—"
    return format_money(int(amount_minor), currency, get_language() or "en")
