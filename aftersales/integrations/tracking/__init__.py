"""Tracking updates from an AfterShip-style tracking service (``/webhooks/tracking/``).

``mapping`` turns a ``tracking_update`` body into tracking events (no database); ``handlers`` records them
through ``aftersales.services.ingestion.tracking_event_record``.
"""
