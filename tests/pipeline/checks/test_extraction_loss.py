"""The ``extraction_loss`` check reaches the draft the reviewer approves."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.db.session import session_scope
from pipeline.jobs.execution import run_in_foreground
from pipeline.jobs.intake import enqueue
from pipeline.jobs.services import Services
from tests.pipeline.jobs.test_translate_stage import draft_of, libre, settings, site, translate  # noqa: F401


@dataclass
class LossyServices(Services):
    """Services whose extraction loses all but the first block, as a faulty step would."""

    def extract(self, html: str, url: str):
        article = super().extract(html, url)
        article.blocks = article.blocks[:1]
        return article


def _loss_checks(url: str, draft_id: int) -> list[dict]:
    return [c for c in draft_of(url, draft_id).checks if c["kind"] == "extraction_loss"]


def test_a_body_shorter_than_trafilatura_text_is_flagged_on_the_draft(db_url, site, libre):  # noqa: F811
    config = settings(db_url, libre_url=libre.base_url)
    draft_id = translate(db_url, config, site.url("/story"))
    assert _loss_checks(db_url, draft_id) == []

    with session_scope(db_url) as session:
        job_id = enqueue(session, [site.url("/story") + "?page=2"], "nl", None).new[0].id
    other = run_in_foreground(db_url, job_id, LossyServices(config), patience=0)
    checks = _loss_checks(db_url, other)
    assert [(c["block"]) for c in checks] == [-1]
    assert "trafilatura" in checks[0]["message"]
