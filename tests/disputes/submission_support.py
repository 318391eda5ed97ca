"""Shared parts of the submission tests: a stand-in evidence packet, documents in the default storage, the
queue of the ``disputes.submit`` task, and HTTP interception.

The stand-in packet replaces ``disputes.evidence.packet_build`` (the evidence module's one door) in the unit tests
of the submission logic only; the end-to-end tests build the real packet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import responses
import stripe
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from responses.registries import OrderedRegistry

from disputes.models import Dispute, DisputeDocument


@dataclass(frozen=True)
class FakePacket:
    text: dict = field(default_factory=dict)
    documents: tuple = ()
    score: int = 100
    complete: bool = True
    missing: tuple = ()


def document(dispute: Dispute, kind: str, content: bytes, *, content_type: str = "application/pdf",
             provider_file_id: str = "") -> DisputeDocument:
    """A document of the packet, its bytes in the default storage."""
    digest = hashlib.sha256(content).hexdigest()
    name = default_storage.save(f"disputes/tests/{dispute.pk}/{kind}-{digest[:12]}.bin", ContentFile(content))
    return DisputeDocument.objects.create(
        dispute=dispute, kind=kind, source="generated", title=kind, storage_name=name, content_type=content_type,
        size_bytes=len(content), sha256=digest, provider_file_id=provider_file_id)


def fake_packet_installer(monkeypatch):
    """For a ``fake_packet`` fixture: ``fake_packet(complete=…, text=…, documents=…)`` installs a stand-in packet
    and returns the list of the dispute ids it was built for."""
    builds: list[int] = []

    def install(*, complete: bool = True, score: int | None = None, text: dict | None = None, documents=()):
        packet = FakePacket(text=dict(text or {}), documents=tuple(documents),
                            score=score if score is not None else (100 if complete else 40), complete=complete)

        def packet_build(*, dispute_id):
            builds.append(dispute_id)
            return packet

        monkeypatch.setattr("disputes.evidence.packet_build", packet_build)
        return builds

    return install


def queued_ids(monkeypatch) -> list[int]:
    """For a ``queued`` fixture: the dispute ids queued for ``disputes.submit`` (nothing reaches a broker)."""
    from disputes.tasks import dispute_submit_task

    ids: list[int] = []
    monkeypatch.setattr(dispute_submit_task, "delay", lambda dispute_id: ids.append(dispute_id))
    return ids


def intercepted(monkeypatch):
    """For an ``http`` fixture: requests must arrive in the registered order, each answer is used once and must be
    used, and nothing else is sent."""
    monkeypatch.setattr(stripe, "enable_telemetry", False)
    return responses.RequestsMock(assert_all_requests_are_fired=True, registry=OrderedRegistry)
