"""The Django project and the shared core app.

Core domain (customers, orders, payments, shipments, the refund ledger, the webhook inbox, provider
adapters), the monthly audit and the manager dashboard live here; every other app imports from it,
never the other way round (DESIGN section 2).
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
