"""Views of disputes: provider webhooks (``webhooks``); desk and dashboard pages come later."""
