"""Versioned return policies per market and language, the legal floor of each market, public policy pages,
change notices and the eligibility engine (DESIGN sections 4 and 6).

Other apps reach this one only through ``policies.api`` (DESIGN section 2).
"""
