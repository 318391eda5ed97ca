"""Every write of the core app, one module per aggregate (STYLE #1): ``<entity>_<verb>(*, …)``."""
