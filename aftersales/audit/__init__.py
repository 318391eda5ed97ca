"""The monthly refund-rate audit: metrics computed in the database, stored monthly reports and alerts.

``metrics`` is the read side (live numbers for any period, breakdowns, explanations); ``services`` writes
the immutable ``MonthlyAudit`` reports and the once-only ``AuditAlert`` rows. See docs/adr/0009-monthly-audit.md.
"""
