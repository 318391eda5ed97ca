"""Email in the support desk: ``parse`` turns raw inbound mail into plain dataclasses (no database, no Django)."""
