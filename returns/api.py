"""What other apps may call in ``returns`` (DESIGN section 2)."""

from .selectors import order_for_portal
from .services import order_cancel_unshipped, return_case_refund, return_case_submit

__all__ = ["order_cancel_unshipped", "order_for_portal", "return_case_refund", "return_case_submit"]
