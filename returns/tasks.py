"""Celery tasks of the returns app: thin, idempotent, taking ids."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .models import ReturnEvent


@shared_task(name="returns.notify", acks_late=True, ignore_result=True)
def return_case_notify_task(event_pk: int) -> None:
    """Email the customer about one status change, in their language."""
    event = ReturnEvent.objects.select_related("case__order", "case__customer").filter(pk=event_pk).first()
    if event is None or not event.case.customer.email:
        return
    case = event.case
    language = case.language if case.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"case": case, "event": event, "store_name": settings.STORE_NAME,
                   "status_url": f"{settings.PUBLIC_BASE_URL}/{language}/portal/"}
        subject = _("Your return %(rma)s: %(status)s") % {"rma": case.rma, "status": event.get_to_status_display()}
        text = render_to_string("returns/email/status.txt", context)
        html = render_to_string("returns/email/status.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[case.customer.email],
                                     headers={"Auto-Submitted": "auto-generated",
                                              "X-Aftersales-Event": f"return-{event.pk}"})
    message.attach_alternative(html, "text/html")
    message.send()
