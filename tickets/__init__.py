"""Every channel in and out (email, WhatsApp, Messenger, web chat), tickets and messages, the agent desk,
SLAs, macros, the auto-responder, the phrase check and CSAT.

Other apps reach this one only through ``tickets.api`` (DESIGN section 2).
"""
