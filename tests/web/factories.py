"""Rows for web tests: an article with every kind of block, its draft, users with tokens."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from config.settings import SHIPPED_BLOCKS_DIR
from pipeline.accounts import users as accounts
from pipeline.db.models import Draft
from pipeline.document import Block, ExtractedArticle
from pipeline.drafts.articles import save_article
from pipeline.drafts.compose import BlockTemplates, compose
from pipeline.drafts.store import DraftContent, save_draft
from pipeline.vocabulary import Role

PASSWORD = "correct horse battery"

SOURCE_BLOCKS = [
    Block(kind="paragraph", html='The harbour wall is <a href="https://example.org/wall">18.7 km</a> long.'),
    Block(kind="heading", level=2, html="Why it matters"),
    Block(kind="paragraph", html="Engineers expect <em>rising water</em> by 2060."),
    Block(kind="figure", src="https://img.example.org/wall.jpg", alt="The wall at dusk",
          caption="The new wall.", credit="© Ann Lens / Agency"),
    Block(kind="list", items=("First point", "Second point")),
    Block(kind="quote", html="We are ready.", cite="The mayor"),
]
TRANSLATED_BLOCKS = [
    Block(kind="paragraph", html='De havenmuur is <a href="https://example.org/wall">18,7 km</a> lang.'),
    Block(kind="heading", level=2, html="Waarom het ertoe doet"),
    Block(kind="paragraph", html="Ingenieurs verwachten <em>stijgend water</em> tegen 2060."),
    Block(kind="figure", src="https://img.example.org/wall.jpg", alt="De muur bij schemering",
          caption="De nieuwe muur.", credit="© Ann Lens / Agency"),
    Block(kind="list", items=("Eerste punt", "Tweede punt")),
    Block(kind="quote", html="We zijn er klaar voor.", cite="De burgemeester"),
]


def templates() -> BlockTemplates:
    return BlockTemplates(SHIPPED_BLOCKS_DIR)


def make_draft(
    session: Session, url: str = "https://news.example.org/2025/harbour-wall",
    title: str = "The harbour wall", translated_title: str = "De havenmuur",
    source_blocks: list[Block] | None = None, translated_blocks: list[Block] | None = None,
    site_name: str = "Harbour Ledger", target_lang: str = "nl",
    checks: list[dict] | None = None,
) -> Draft:
    """An article and its draft, composed with the shipped block templates, as the pipeline does."""
    extracted = ExtractedArticle(url=url, title=title,
                                 blocks=list(source_blocks or SOURCE_BLOCKS),
                                 author="Jane Doe", published="2025-03-01",
                                 site_name=site_name, source_lang="en")
    article, _ = save_article(session, extracted)
    blocks = list(translated_blocks or TRANSLATED_BLOCKS)
    html = compose(extracted, blocks, translated_title, target_lang, "google", templates())
    segments = [{"block_index": i, "key": key, "source": source, "translation": dict(
        blocks[i].segments()).get(key, ""), "provider": "google", "origin": "machine"}
        for i, block in enumerate(extracted.blocks) for key, source in block.segments()]
    content = DraftContent(title=translated_title, blocks=[b.to_dict() for b in blocks],
                           html=html, provider="google", source_lang="en",
                           segments=segments,
                           checks=checks if checks is not None else [
                               {"kind": "numbers", "block": 0,
                                "message": "18.7 in the source, 18,7 in the translation"}])
    draft, _ = save_draft(session, article, target_lang, content)
    session.flush()
    return draft


@dataclass
class Account:
    name: str
    role: str
    token: str
    password: str = PASSWORD


def make_users(session: Session) -> dict[str, Account]:
    """An admin, an operator and a reviewer, each with a password and a token."""
    made = {}
    for role in Role:
        user = accounts.create_user(session, f"{role}1", role, PASSWORD)
        made[role] = Account(user.name, role, accounts.create_token(session, user).secret)
    return made
