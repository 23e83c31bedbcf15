"""The vocabulary: the contract's words, spelled once, printed and serialized as themselves."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import pipeline.vocabulary as vocabulary
from pipeline.vocabulary import (
    ACTIVE_JOB_STATES,
    SETTLED_JOB_STATES,
    DraftStatus,
    ExportFormat,
    JobState,
    PostStatus,
    Role,
    RunTrigger,
    SegmentOrigin,
    SiteKind,
    SourceKind,
    SourceRunState,
    Stage,
)

# As ../shared/PRODUCT.md and the stored rows spell them; changing one is a contract change.
CONTRACT = {
    JobState: ["queued", "running", "done", "failed"],
    DraftStatus: ["pending_review", "approved", "rejected"],
    Role: ["admin", "operator", "reviewer"],
    SourceKind: ["feed", "sitemap"],
    SiteKind: ["wordpress", "webhook"],
    PostStatus: ["draft", "pending", "publish"],
    ExportFormat: ["html", "md", "json"],
    Stage: ["fetch", "translate", "compose", "publish", "finished"],
    SegmentOrigin: ["machine", "memory", "human", "plain", "same"],
    SourceRunState: ["running", "done", "failed"],
    RunTrigger: ["schedule", "manual", "baseline"],
}


@pytest.mark.parametrize("words", list(CONTRACT), ids=lambda words: words.__name__)
def test_the_words_are_the_contracts(words):
    assert [member.value for member in words] == CONTRACT[words]
    assert [member.name for member in words] == CONTRACT[words]


def test_every_vocabulary_is_covered_here():
    defined = {value for value in vars(vocabulary).values()
               if isinstance(value, type) and value.__module__ == vocabulary.__name__}
    assert defined == set(CONTRACT)


def test_a_word_reads_prints_and_serializes_as_its_string():
    state = JobState.queued
    assert state == "queued" and isinstance(state, str)
    assert (str(state), f"{state}", f"{state:>8}") == ("queued", "queued", "  queued")
    assert json.dumps({DraftStatus.approved: [state, Role.admin]}) \
        == '{"approved": ["queued", "admin"]}'
    assert JobState("failed") is JobState.failed
    assert {"queued": 1}[JobState.queued] == 1


def test_a_job_is_either_active_or_settled():
    assert set(ACTIVE_JOB_STATES) | set(SETTLED_JOB_STATES) == set(JobState)
    assert not set(ACTIVE_JOB_STATES) & set(SETTLED_JOB_STATES)


def test_the_vocabulary_sits_below_everything_else_in_pipeline():
    tree = ast.parse(Path(vocabulary.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "enum"}
