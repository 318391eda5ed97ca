"""Permissions that belong to whole areas of the product rather than to a model."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Capability(models.Model):  # noqa: DJ008 (never instantiated)
    """Holder of permissions that belong to no model: access to whole areas of the product.

    Not a table (``managed = False``): Django still creates its permissions, which the role groups
    (migration 0002) are given.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("access_desk", _("Can use the agent desk")),
            ("access_dashboard", _("Can read the manager dashboard")),
        ]
