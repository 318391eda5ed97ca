"""What other apps may call in ``returns`` (DESIGN section 2)."""

from .metrics import (
    case_field_for_refund,
    return_reason_label,
    returned_case_for_refund,
    returned_total,
    returned_value,
    returned_value_sql,
    returnless_cases,
    returnless_savings,
    returnless_savings_by,
)
from .selectors import order_for_portal, return_cases_for_customer, returnable_lines
from .services import (
    LineRequest,
    not_received_quote,
    not_received_report,
    order_cancel_unshipped,
    return_case_refund,
    return_case_submit,
)

__all__ = ["LineRequest", "not_received_quote", "not_received_report", "order_cancel_unshipped", "order_for_portal",
           "return_case_refund", "return_case_submit", "return_cases_for_customer", "returnable_lines"]
# The monthly audit (aftersales.audit) reads return aggregates through these (returns/metrics.py).
__all__ += ["case_field_for_refund", "return_reason_label", "returned_case_for_refund", "returned_total",
            "returned_value", "returned_value_sql", "returnless_cases", "returnless_savings", "returnless_savings_by"]
# The demo store's return cases behind its return refunds (returns/demo.py), called by aftersales.demo_data.
from .demo import demo_returns_delete, demo_returns_seed  # noqa: E402

__all__ += ["demo_returns_delete", "demo_returns_seed"]
