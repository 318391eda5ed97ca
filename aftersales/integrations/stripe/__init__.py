"""Stripe adapter: refunds through the official ``stripe`` SDK behind ``PaymentGateway`` (DESIGN section 8).

Only this package imports ``stripe``; services get ``RefundResult`` dataclasses back (STYLE #6).
"""
