"""PayPal adapter: refunds through ``paypalrestsdk`` behind ``PaymentGateway`` (DESIGN section 8).

The SDK is deprecated upstream, so nothing outside this package imports it; services get ``RefundResult``
dataclasses back (STYLE #6).
"""
