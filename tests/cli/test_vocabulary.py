"""The CLI offers and prints exactly the vocabulary's words (pipeline/vocabulary.py)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app
from pipeline.db.session import session_scope, upgrade
from pipeline.jobs.intake import enqueue
from pipeline.vocabulary import DraftStatus, JobState, Role
from tests.web.factories import make_draft


def test_status_counts_every_state_and_status_by_its_word(sqlite_url):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        enqueue(session, ["https://example.org/a"], "nl")
        make_draft(session)
    env = {"TRANSDRAFT_DATABASE_URL": sqlite_url}
    shown = json.loads(CliRunner().invoke(app, ["status", "--format", "json"], env=env).stdout)
    assert list(shown["jobs"]) == [state.value for state in JobState]
    assert list(shown["drafts"]) == [status.value for status in DraftStatus]
    assert (shown["jobs"]["queued"], shown["drafts"]["pending_review"]) == (1, 1)
    jobs = json.loads(CliRunner().invoke(app, ["jobs", "list", "--state", "queued",
                                               "--format", "json"], env=env).stdout)
    assert [(job["state"], job["stage"]) for job in jobs] == [("queued", "fetch")]


def test_choices_are_the_vocabulary_and_anything_else_is_a_usage_error(sqlite_url):
    runner = CliRunner()
    env = {"TRANSDRAFT_DATABASE_URL": sqlite_url}
    for command, option, words in ((["jobs", "list"], "--state", JobState),
                                   (["drafts", "list"], "--status", DraftStatus),
                                   (["users", "add", "x"], "--role", Role)):
        refused = runner.invoke(app, [*command, option, "lost"], env=env)
        assert refused.exit_code == 2, command
        assert all(f"'{word}'" in refused.output for word in words), refused.output
    listed = runner.invoke(app, ["drafts", "list", "--status", "approved", "--format", "json"],
                           env=env)
    assert (listed.exit_code, json.loads(listed.stdout)) == (0, [])
