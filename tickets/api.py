"""What other apps may call in ``tickets`` (DESIGN section 2): the one door into this app."""

from .selectors import webchat_thread
from .services import email_receive, message_send, reply_rule, ticket_transition, webchat_post

__all__ = ["email_receive", "message_send", "reply_rule", "ticket_transition", "webchat_post", "webchat_thread"]
