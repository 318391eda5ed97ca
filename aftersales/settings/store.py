"""The store's own facts: base currency for reports and the time zone its months are cut in."""

import zoneinfo

from babel.numbers import list_currencies

from aftersales.env import EnvError, env

STORE_NAME = env.str("STORE_NAME", "Demo Store", help="Shown to customers in the portal and emails.",
                     group="store")
STORE_BASE_CURRENCY = env.str("STORE_BASE_CURRENCY", "USD", group="store",
                              help="ISO 4217 code reports are converted to, e.g. USD or EUR.").upper()
if STORE_BASE_CURRENCY not in list_currencies():
    raise EnvError(f"STORE_BASE_CURRENCY={STORE_BASE_CURRENCY!r} is not an ISO 4217 currency code")

STORE_TIME_ZONE = env.str("STORE_TIME_ZONE", "UTC", group="store",
                          help="IANA time zone month boundaries are cut in, e.g. Asia/Shanghai.")
try:
    zoneinfo.ZoneInfo(STORE_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise EnvError(f"STORE_TIME_ZONE={STORE_TIME_ZONE!r} is not an IANA time zone (e.g. Asia/Shanghai)") from None

PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", "http://localhost:8000", group="store",
                          help="Absolute URL of this site, used in links sent to customers.").rstrip("/")

RETURNS_SERIAL_RETURNER_COUNT = env.int(
    "RETURNS_SERIAL_RETURNER_COUNT", 3, minimum=1, group="store",
    help="Customers with this many returns in 90 days are reviewed by an agent, never auto-approved.")

# The desk: refunds an agent may make alone, in minor units of the base currency (larger ones need a manager).
DASHBOARD_LIVE_SECONDS = env.int(
    "DASHBOARD_LIVE_SECONDS", 300, minimum=0, group="store",
    help="The dashboard's month to date is computed at most once in this many seconds and shared by every manager "
         "(0: on every request).")
# After this many seconds without a new trend month from the worker, a page under several filters says the worker
# may be down and offers to compute every month on the request.
DASHBOARD_PROGRESS_STALL_SECONDS = 45

DESK_REFUND_LIMIT_MINOR = env.int("DESK_REFUND_LIMIT_MINOR", 10000, group="store", minimum=0,
                                  help="Largest refund an agent may make without a manager, in minor units of "
                                       "STORE_BASE_CURRENCY (10000 = 100.00).")

DISPUTES_AUTO_SUBMIT = env.bool("DISPUTES_AUTO_SUBMIT", False, group="store",
                                help="Submit a dispute's complete evidence packet automatically 12 hours before its "
                                     "internal deadline (needs the provider's API credentials).")
