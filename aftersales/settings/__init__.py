"""Django settings, split by concern; every value from the environment goes through ``aftersales.env``.

Import order matters only where a later module reads an earlier one's value (``DEBUG`` first).
"""

from .core import *  # noqa: F403
from .database import *  # noqa: F403
from .i18n import *  # noqa: F403
from .providers import *  # noqa: F403
from .security import *  # noqa: F403
from .store import *  # noqa: F403
from .worker import *  # noqa: F403
