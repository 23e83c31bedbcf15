"""The translate stage of a job: translate (or re-translate) an article into its draft.

An article whose content hash equals the draft's ``source_hash`` costs nothing. A changed
article becomes a new revision of the same draft in which only changed segments go to the
memory and the providers; segments of unchanged blocks keep their translation, reviewer
edits included. Reviewer checks are computed and stored with the draft.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.checks.extraction_loss import extraction_loss
from pipeline.checks.revisions import article_checks
from pipeline.db.models import Article, Draft, Job
from pipeline.document import ExtractedArticle
from pipeline.drafts.articles import load_extracted
from pipeline.drafts.compose import BlockTemplates, compose_draft
from pipeline.drafts.rebase import Start, rebase
from pipeline.drafts.store import DraftContent, lock_draft, save_draft
from pipeline.errors import ProviderError
from pipeline.jobs.services import Services
from pipeline.ledger.database import DatabaseLedger
from pipeline.translate import Provider, translate_article
from pipeline.translate.translator import SegmentTranslation, TranslationResult
from pipeline.vocabulary import SegmentOrigin

log = logging.getLogger(__name__)


def build_chain(services: Services, names: list[str]) -> list[Provider]:
    """The providers of the chain that can be built; ProviderError when none can."""
    chain: list[Provider] = []
    problems: list[ProviderError] = []
    for name in names:
        try:
            chain.extend(services.providers([name]))
        except ProviderError as error:
            log.warning("provider %s left out of the chain: %s", name, error.reason)
            problems.append(error)
    if not chain:
        raise problems[0] if problems else ProviderError("no translation provider configured")
    return chain


def translate_into_draft(session: Session, job: Job, services: Services,
                         chain_names: list[str]) -> Draft:
    """Translate the job's article into its draft, or keep the draft when nothing changed."""
    article = session.get(Article, job.article_id)
    draft = session.scalars(
        select(Draft).where(Draft.article_id == article.id, Draft.target_lang == job.target_lang)
    ).first()
    if draft is not None and draft.source_hash == article.content_hash:
        return draft  # same content already translated into this language: nothing to send

    extracted = load_extracted(article)
    glossary = services.glossary
    terms = glossary.for_target(job.target_lang)
    source_lang = job.source_lang or extracted.source_lang or None
    previous = [SegmentTranslation(s.block_index, s.key, s.source, s.translation, s.provider,
                                   s.origin) for s in draft.segments] if draft else []
    start = Start.of(draft) if draft else None
    ledger = DatabaseLedger(session, glossary.version, services.settings.char_budget_daily,
                            services.report)
    result = translate_article(extracted, job.target_lang, build_chain(services, chain_names),
                               source=source_lang, ledger=ledger, glossary=terms,
                               previous=previous)
    lost = {s.block_index for s in result.segments
            if s.origin == SegmentOrigin.plain and s.block_index >= 0}
    checks = article_checks(session, draft, extracted.blocks, result.blocks, extracted.title,
                            result.title, source_lang or "", job.target_lang, terms, lost)
    checks += [check.to_dict() for check in extraction_loss(extracted)]
    services.report("composing")
    composed = compose_draft(extracted, result.blocks, result.title, job.target_lang,
                             result.provider, services.templates)
    changed = changed_blocks(result, previous, len(extracted.blocks)) if draft else None
    content = DraftContent(
        title=result.title,
        blocks=[block.to_dict() for block in result.blocks],
        html=composed.html,
        provider=result.provider,
        source_lang=source_lang or "",
        segments=[{"block_index": s.block_index, "key": s.key, "source": s.source,
                   "translation": s.translation, "provider": s.provider, "origin": s.origin,
                   "fallback_reason": s.fallback_reason}
                  for s in result.segments],
        checks=checks + composed.block_language_checks(),
        block_uses=[use.to_dict() for use in composed.block_uses],
    )
    detail = {"chars_sent": result.chars_sent, "requests": result.requests,
              "chars_by_provider": result.chars_by_provider}
    note = None
    if changed is not None:
        detail["changed_blocks"] = changed
        note = retranslation_note(changed, result)
    if start is not None:
        content, kept = _rebase_on_edits(session, draft.id, content, start, extracted, changed,
                                         job.target_lang, services.templates)
        if kept:
            detail["kept_edits"] = kept
            note += "; kept edits made meanwhile to " + ", ".join(
                "title" if index == -1 else f"block {index}" for index in kept)
    draft, _created = save_draft(session, article, job.target_lang, content, job_id=job.id,
                                 note=note, detail=detail)
    draft.source_hash = article.content_hash
    return draft


def _rebase_on_edits(session: Session, draft_id: int, content: DraftContent, start: Start,
                     extracted: ExtractedArticle, changed: list[int], target_lang: str,
                     templates: BlockTemplates) -> tuple[DraftContent, list[int]]:
    """Lock the draft and, when someone saved a revision while the providers were working,
    keep their edits (see :mod:`pipeline.drafts.rebase`) instead of overwriting them."""
    current = lock_draft(session, draft_id)
    if current is None or current.revision == start.revision:
        return content, []
    rebased = rebase(session, content, start, current, extracted, changed, target_lang,
                     templates)
    return rebased.content, rebased.kept


def changed_blocks(result: TranslationResult, previous: Sequence[SegmentTranslation],
                   block_count: int) -> list[int]:
    """Indexes of the blocks whose source differs from the previous revision (-1: the title)."""
    before = {(s.block_index, s.key, s.source) for s in previous}
    changed = {s.block_index for s in result.segments
               if (s.block_index, s.key, s.source) not in before}
    now = {(s.block_index, s.key) for s in result.segments}
    # A segment that disappeared (a block removed or shortened) changes its block too.
    changed |= {index for index, key, _ in before
                if (index, key) not in now and index < block_count}
    return sorted(changed)


def retranslation_note(changed: list[int], result: TranslationResult) -> str:
    """The revision note a reviewer reads: what changed in the source and what it cost."""
    if not changed:
        where = "no block changed (metadata only)"
    else:
        names = ["title" if index == -1 else f"block {index}" for index in changed]
        where = "source changed in " + ", ".join(names)
    return (f"re-translated: {where}; {result.chars_sent} characters sent in "
            f"{result.requests} requests")
