"""Shopify: webhooks in (``/webhooks/shopify/``), mapped to the store-ingestion services.

``mapping`` turns Shopify's JSON into the plain dataclasses of ``aftersales.services.ingestion`` (no
database); ``handlers`` registers one ``@webhook_handler`` per topic and calls the services. Money moves in
Shopify, not through our gateways, so an order's payment is recorded with the *manual* provider: a refund
started from the desk then waits for a person to make it in Shopify, and a refund made in Shopify arrives
as ``refunds/create`` and is booked in the ledger as already succeeded.
"""
