"""Stripe chargebacks and PayPal disputes: deadlines, evidence packets, submission and risk limits.

Other apps reach this one only through ``disputes.api`` (DESIGN section 2).
"""
