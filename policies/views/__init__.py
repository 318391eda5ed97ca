"""Views of the policies app, one module per audience."""
