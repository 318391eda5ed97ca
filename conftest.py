"""Root conftest: plugins for the whole suite (fixtures live in tests/conftest.py)."""

pytest_plugins = ["pytester", "tests.skip_policy"]
