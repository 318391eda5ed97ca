"""Core models, one module per concern; import them from here."""

from .access import Capability
from .audit import AlertKind, AuditAlert, AuditImmutableError, MonthlyAudit
from .commerce import (
    Coupon,
    Customer,
    CustomerIdentity,
    ExchangeRate,
    Market,
    Order,
    OrderLine,
    Payment,
    Product,
    Shipment,
    ShipmentItem,
    TrackingEvent,
)
from .refunds import Refund, RefundEvent
from .webhooks import InboundWebhookEvent

__all__ = [
    "AlertKind", "AuditAlert", "AuditImmutableError", "Capability", "Coupon", "Customer", "CustomerIdentity",
    "ExchangeRate", "InboundWebhookEvent", "Market", "MonthlyAudit", "Order", "OrderLine", "Payment", "Product",
    "Refund", "RefundEvent", "Shipment", "ShipmentItem", "TrackingEvent",
]
