"""The demo store behind ``manage.py seed_demo``: its fixed catalogue (``catalogue``) and the builder (``seed``)."""

from .seed import DemoDataError, DemoDataInUse, SeedResult, delete_demo_data, demo_data_exists, seed_demo_data

__all__ = ["DemoDataError", "DemoDataInUse", "SeedResult", "delete_demo_data", "demo_data_exists", "seed_demo_data"]
