"""``manage.py demo_messages --base URL``: send signed sample deliveries of every channel to a running site.

For the demo (``make demo`` runs it once the web process answers): a WhatsApp message, a Messenger message and
an email from demo customers, each in their own language and naming their latest order, posted to the real
webhook endpoints with valid signatures — exactly what Meta and the mail provider would send. They become
tickets through the webhook inbox and the worker, like any real delivery.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
import urllib.request
from email.message import EmailMessage
from email.utils import make_msgid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aftersales.models import CustomerIdentity, Order
from tickets.meta.signature import sign_hub

TEXTS = {
    "de": "Hallo, meine Bestellung {number} ist noch nicht angekommen. Können Sie bitte nachsehen, wo sie ist?",
    "fr": "Bonjour, j'ai reçu ma commande {number} mais l'article est abîmé. Que dois-je faire ?",
    "es": "Hola, quiero devolver un artículo de mi pedido {number}. ¿Cómo lo hago?",
    "en": "Hi, my order {number} says delivered but I have not received it. Can you help?",
}


class Command(BaseCommand):
    help = "Send one signed sample message per channel (WhatsApp, Messenger, email) to a running site."

    def add_arguments(self, parser):
        parser.add_argument("--base", required=True, help="The site's address, e.g. http://127.0.0.1:8000")

    def handle(self, *args, base, **options):
        base = base.rstrip("/")
        sent = []
        for channel, market, send in (("whatsapp", "DE", self._whatsapp), ("messenger", "FR", self._messenger),
                                      ("email", "ES", self._email)):
            identity = (CustomerIdentity.objects.filter(kind=channel, customer__orders__market__code=market)
                        .select_related("customer").order_by("pk").first())
            if identity is None:
                self.stderr.write(f"no demo customer with a {channel} identity in {market}: load the demo data")
                continue
            order = Order.objects.filter(customer=identity.customer).order_by("-placed_at").first()
            text = TEXTS.get(identity.customer.language or "en", TEXTS["en"]).format(number=order.number)
            status = send(base, identity, text)
            sent.append(f"{channel} ({identity.customer}, {order.number}): HTTP {status}")
        for line in sent:
            self.stdout.write(f"  sample {line}")

    def _post(self, url, body: bytes, headers: dict) -> int:
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (the demo's own site)
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def _whatsapp(self, base, identity, text) -> int:
        if not settings.WHATSAPP_APP_SECRET:
            raise CommandError("WHATSAPP_APP_SECRET is not set: the webhook would refuse the delivery")
        wa_id = identity.value.lstrip("+")
        payload = {"object": "whatsapp_business_account", "entry": [{"id": "DEMO-WABA", "changes": [{
            "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550000000", "phone_number_id": "DEMO"},
                "contacts": [{"profile": {"name": identity.customer.name}, "wa_id": wa_id}],
                "messages": [{"from": wa_id, "id": f"wamid.DEMO{secrets.token_hex(8)}",
                              "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}]}}]}]}
        body = json.dumps(payload).encode()
        return self._post(f"{base}/webhooks/whatsapp/", body, {
            "Content-Type": "application/json", "X-Hub-Signature-256": sign_hub(settings.WHATSAPP_APP_SECRET, body)})

    def _messenger(self, base, identity, text) -> int:
        if not settings.MESSENGER_APP_SECRET:
            raise CommandError("MESSENGER_APP_SECRET is not set: the webhook would refuse the delivery")
        now = int(time.time() * 1000)
        payload = {"object": "page", "entry": [{"id": "DEMO-PAGE", "time": now, "messaging": [{
            "sender": {"id": identity.value}, "recipient": {"id": "DEMO-PAGE"}, "timestamp": now,
            "message": {"mid": f"m_DEMO{secrets.token_hex(8)}", "text": text}}]}]}
        body = json.dumps(payload).encode()
        return self._post(f"{base}/webhooks/messenger/", body, {
            "Content-Type": "application/json", "X-Hub-Signature-256": sign_hub(settings.MESSENGER_APP_SECRET, body)})

    def _email(self, base, identity, text) -> int:
        key, basic = settings.ANYMAIL.get("MAILGUN_WEBHOOK_SIGNING_KEY"), settings.ANYMAIL.get("WEBHOOK_SECRET")
        if not key or not basic:
            raise CommandError("MAILGUN_WEBHOOK_SIGNING_KEY and ANYMAIL_WEBHOOK_SECRET must be set for inbound mail")
        message = EmailMessage()
        message["From"] = f"{identity.customer.name} <{identity.value}>"
        message["To"], message["Subject"] = settings.DEFAULT_FROM_EMAIL, text.split(",")[0][:60]
        message["Message-ID"] = make_msgid(domain="demo.example")
        message.set_content(text)
        timestamp, token = str(int(time.time())), secrets.token_hex(25)
        signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
        body = urllib.parse.urlencode({"timestamp": timestamp, "token": token, "signature": signature,
                                       "body-mime": message.as_string()}).encode()
        return self._post(f"{base}/webhooks/email/mailgun/inbound/", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic " + base64.b64encode(basic.encode()).decode()})
