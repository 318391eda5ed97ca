"""Start-up guard: a configuration error becomes one clear line on stderr and exit status 2."""

import contextlib
import sys

from aftersales.env import EnvError


@contextlib.contextmanager
def exit_on_config_error():
    try:
        yield
    except EnvError as error:
        sys.stderr.write(f"Configuration error: {error}\n")
        sys.exit(2)
