"""Prometheus metrics, read from the database at scrape time (every process agrees)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.orm import Session

from pipeline.budget import usage_today
from pipeline.drafts import counts


def provider_characters(session: Session) -> dict[str, int]:
    """Characters sent to each provider today (UTC), from the budget's ledger."""
    return {str(name): int(value) for name, value in usage_today(session).items()}


class _DatabaseCollector:
    def __init__(self, session: Session) -> None:
        self.session = session

    def collect(self):
        numbers = counts(self.session)
        jobs = GaugeMetricFamily("transdraft_jobs", "Jobs by state.", labels=["state"])
        for state, value in numbers["jobs"].items():
            jobs.add_metric([state], value)
        yield jobs
        drafts = GaugeMetricFamily("transdraft_drafts", "Drafts by status.", labels=["status"])
        for status, value in numbers["drafts"].items():
            drafts.add_metric([status], value)
        yield drafts
        sent = GaugeMetricFamily("transdraft_provider_characters_today",
                                 "Characters sent to each translation provider today (UTC).",
                                 labels=["provider"])
        for provider, value in sorted(provider_characters(self.session).items()):
            sent.add_metric([provider], value)
        yield sent


def render_metrics(session: Session) -> bytes:
    """The Prometheus text exposition of the current counts."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_DatabaseCollector(session))
    return generate_latest(registry)
