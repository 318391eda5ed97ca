"""Provider adapters. Services call ``gateway_for(provider)`` and get plain dataclasses back; no service
imports a provider SDK (STYLE #6)."""
