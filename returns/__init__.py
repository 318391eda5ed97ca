"""Return cases from the customer portal and the desk: inspection and disposition, resolutions and refunds,
returnless ("keep the item") offers, cancellations of unshipped orders and not-received claims.

Other apps reach this one only through ``returns.api`` (DESIGN section 2).
"""
