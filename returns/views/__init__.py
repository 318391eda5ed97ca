"""Views of the returns app: ``portal`` for customers (under ``/<lang>/``)."""
