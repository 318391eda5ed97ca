"""Provider credentials. All optional: without them refunds are recorded for manual execution and
outbound messages stay in the outbox. A group that is only partly set is a system-check error
(``aftersales/checks.py``), because half a configuration fails at the worst moment."""

from email.utils import parseaddr as _parseaddr

from aftersales.env import env

# -- Stripe (refunds, disputes) -----------------------------------------------------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", "", group="stripe", secret=True,
                            help="Secret or restricted API key (sk_… / rk_…).")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", "", group="stripe", secret=True,
                                help="Signing secret of the /webhooks/stripe/ endpoint (whsec_…).")

# -- PayPal (refunds, disputes) -----------------------------------------------------------------
PAYPAL_MODE = env.str("PAYPAL_MODE", "sandbox", group="paypal", choices=["sandbox", "live"],
                      help="sandbox or live.")
PAYPAL_CLIENT_ID = env.str("PAYPAL_CLIENT_ID", "", group="paypal", help="REST app client id.")
PAYPAL_CLIENT_SECRET = env.str("PAYPAL_CLIENT_SECRET", "", group="paypal", secret=True,
                               help="REST app client secret.")
PAYPAL_WEBHOOK_ID = env.str("PAYPAL_WEBHOOK_ID", "", group="paypal",
                            help="Id of the webhook registered for /webhooks/paypal/ (for verification).")

# -- WhatsApp Cloud API ---------------------------------------------------------------------------
WHATSAPP_ACCESS_TOKEN = env.str("WHATSAPP_ACCESS_TOKEN", "", group="whatsapp", secret=True,
                                help="System-user access token of the WhatsApp Business account.")
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", "", group="whatsapp",
                                   help="Phone number id messages are sent from.")
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", "", group="whatsapp", secret=True,
                              help="Meta app secret: checks X-Hub-Signature-256 of /webhooks/whatsapp/.")
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", "", group="whatsapp", secret=True,
                                help="Token echoed in the GET verification handshake.")

# -- Messenger --------------------------------------------------------------------------------------
MESSENGER_PAGE_ACCESS_TOKEN = env.str("MESSENGER_PAGE_ACCESS_TOKEN", "", group="messenger", secret=True,
                                      help="Page access token for the Send API.")
MESSENGER_APP_SECRET = env.str("MESSENGER_APP_SECRET", "", group="messenger", secret=True,
                               help="Meta app secret: checks X-Hub-Signature-256 of /webhooks/messenger/.")
MESSENGER_VERIFY_TOKEN = env.str("MESSENGER_VERIFY_TOKEN", "", group="messenger", secret=True,
                                 help="Token echoed in the GET verification handshake.")

# -- Email: outbound SMTP, inbound IMAP mailbox ---------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "support@localhost", group="email",
                             help="From address of mail to customers.")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env.str("EMAIL_HOST", "", group="email",
                     help="SMTP host; empty writes outbound mail to files under VAR_DIR/mail instead of sending it.")
EMAIL_PORT = env.int("EMAIL_PORT", 587, group="email", minimum=1, help="SMTP port.")
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "", group="email", help="SMTP user.")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "", group="email", secret=True, help="SMTP password.")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", True, group="email", help="STARTTLS to the SMTP host.")
EMAIL_TIMEOUT = 20
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    from .core import VAR_DIR

    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
IMAP_HOST = env.str("IMAP_HOST", "", group="imap", help="IMAP host of the support mailbox polled for mail.")
IMAP_PORT = env.int("IMAP_PORT", 993, group="imap", minimum=1, help="IMAP port (993 for TLS).")
IMAP_USER = env.str("IMAP_USER", "", group="imap", help="IMAP user.")
IMAP_PASSWORD = env.str("IMAP_PASSWORD", "", group="imap", secret=True, help="IMAP password.")
IMAP_FOLDER = env.str("IMAP_FOLDER", "INBOX", group="imap", help="Folder polled for new mail.")
# Our own addresses: mail from them is never taken in as a customer's (loop protection); outbound
# Message-IDs are made on the From address's domain.
SUPPORT_ADDRESSES = sorted({address.lower() for address in (
    _parseaddr(DEFAULT_FROM_EMAIL)[1], IMAP_USER if "@" in IMAP_USER else "") if address})
MESSAGE_ID_DOMAIN = (_parseaddr(DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost").lower()
ANYMAIL = {
    "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", "", group="anymail", secret=True,
                              help="user:password expected on inbound-mail webhooks (django-anymail)."),
    "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", "", group="anymail", secret=True,
                                           help="Mailgun webhook signing key, for inbound mail."),
    "POSTMARK_INBOUND_SECRET": "",
}

# -- Shopify ------------------------------------------------------------------------------------------
SHOPIFY_SHOP_DOMAIN = env.str("SHOPIFY_SHOP_DOMAIN", "", group="shopify", help="your-shop.myshopify.com.")
SHOPIFY_WEBHOOK_SECRET = env.str("SHOPIFY_WEBHOOK_SECRET", "", group="shopify", secret=True,
                                 help="App secret that signs X-Shopify-Hmac-Sha256.")

# -- Tracking service (AfterShip-style webhooks) -------------------------------------------------------
TRACKING_WEBHOOK_SECRET = env.str("TRACKING_WEBHOOK_SECRET", "", group="tracking", secret=True,
                                  help="Webhook secret of the tracking service: checks aftership-hmac-sha256 "
                                       "of /webhooks/tracking/.")

# Which settings make a provider complete; a group with some but not all set is an error.
PROVIDER_REQUIRED_SETTINGS = {
    "stripe": ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"],
    "paypal": ["PAYPAL_CLIENT_ID", "PAYPAL_CLIENT_SECRET", "PAYPAL_WEBHOOK_ID"],
    # Receiving (the webhook) and sending are separate: a store may take messages in before it may answer
    # through the API; until then replies wait in the outbox.
    "whatsapp sending": ["WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"],
    "whatsapp webhook": ["WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"],
    "messenger webhook": ["MESSENGER_APP_SECRET", "MESSENGER_VERIFY_TOKEN"],
    "email": ["EMAIL_HOST", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"],
    "imap": ["IMAP_HOST", "IMAP_USER", "IMAP_PASSWORD"],
    "shopify": ["SHOPIFY_SHOP_DOMAIN", "SHOPIFY_WEBHOOK_SECRET"],
    "tracking": ["TRACKING_WEBHOOK_SECRET"],
}
