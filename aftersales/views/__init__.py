"""Views of the core app, one module per audience (DESIGN section 2)."""
