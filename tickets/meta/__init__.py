"""Meta's two messaging webhooks, WhatsApp Cloud API and the Messenger Platform, as pure functions: the
``X-Hub-Signature-256`` check and the GET verification handshake (``signature``), and the parsing of a
verified body into plain frozen dataclasses (``parse``). No Django models, no database, no network: the
webhook view verifies and stores the raw body, and the task that processes it later calls ``parse``.
"""
