"""What other apps may call in ``policies`` (DESIGN section 2): the one door into this app."""

from .eligibility import Answers, EligibilityDecision, EligibilityRequest, decide
from .selectors import applicable_clauses, clauses, faq_for, placed_under, versions_for_page
from .services import in_force

__all__ = ["Answers", "EligibilityDecision", "EligibilityRequest", "applicable_clauses", "clauses", "decide",
           "faq_for", "in_force", "placed_under", "versions_for_page"]
