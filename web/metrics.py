"""Prometheus metrics, read from the database at scrape time (every process agrees)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.orm import Session

from pipeline.drafts.store import counts
from pipeline.ledger.budget import requests_today, usage_today


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
        yield from _token_metrics(self.session)


def _token_metrics(session: Session):
    """Requests and reported tokens per provider today: what a language model is billed by."""
    used = requests_today(session)
    requests = GaugeMetricFamily("transdraft_provider_requests_today",
                                 "Requests made to each language-model provider today (UTC).",
                                 labels=["provider"])
    tokens = GaugeMetricFamily("transdraft_provider_tokens_today",
                               "Tokens the provider reported for today's requests (UTC).",
                               labels=["provider", "direction"])
    for provider, numbers in used.items():
        requests.add_metric([provider], numbers.requests)
        tokens.add_metric([provider, "in"], numbers.tokens_in)
        tokens.add_metric([provider, "out"], numbers.tokens_out)
    yield requests
    yield tokens


def render_metrics(session: Session) -> bytes:
    """The Prometheus text exposition of the current counts."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_DatabaseCollector(session))
    return generate_latest(registry)
