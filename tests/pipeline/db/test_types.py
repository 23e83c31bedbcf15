"""Column types on both databases: aware UTC times in and out, vocabulary words as strings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from pipeline.db.models import Job, ProviderCooldown, User
from pipeline.db.session import session_scope, upgrade
from pipeline.vocabulary import JobState, Role, Stage

SUMMER_AMSTERDAM = timezone(timedelta(hours=2))
MOMENT = datetime(2026, 7, 1, 11, 30, 15, 250000, tzinfo=SUMMER_AMSTERDAM)  # 09:30:15 UTC


def _job(session: Session, **values) -> int:
    job = Job(url="https://news.example/a", canonical_url="https://news.example/a",
              target_lang="nl", **values)
    session.add(job)
    session.flush()
    return job.id


def test_times_come_back_aware_in_utc_whatever_zone_went_in(db_url):
    upgrade(db_url)
    with session_scope(db_url) as session:
        job_id = _job(session, next_attempt_at=MOMENT)
    with session_scope(db_url) as session:
        job = session.get(Job, job_id)
        assert job.next_attempt_at == MOMENT
        assert job.next_attempt_at.tzinfo is timezone.utc
        assert (job.next_attempt_at.hour, job.next_attempt_at.microsecond) == (9, 250000)
        assert job.created_at.tzinfo is timezone.utc  # the default, utcnow()
        assert job.lease_expires_at is None


def test_comparisons_in_sql_use_the_instant(db_url):
    upgrade(db_url)
    with session_scope(db_url) as session:
        job_id = _job(session, next_attempt_at=MOMENT)
    just_after = MOMENT.astimezone(timezone.utc) + timedelta(microseconds=1)
    with session_scope(db_url) as session:
        assert session.scalars(select(Job.id).where(Job.next_attempt_at < just_after)).all() \
            == [job_id]
        assert session.scalars(select(Job.id).where(Job.next_attempt_at < MOMENT)).all() == []


def test_a_naive_time_is_refused(db_url):
    upgrade(db_url)
    with pytest.raises(StatementError, match="naive datetime"):
        with session_scope(db_url) as session:
            _job(session, next_attempt_at=datetime(2026, 7, 1, 9, 30))


def test_sqlite_keeps_the_utc_wall_time_it_always_stored(sqlite_url):
    # The stored form did not change with the column type: rows written before compare
    # and read back the same.
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        session.add(ProviderCooldown(provider="libre", until=MOMENT, reason="429"))
    with session_scope(sqlite_url) as session:
        stored = session.execute(text("SELECT until FROM provider_cooldowns")).scalar_one()
        assert stored == "2026-07-01 09:30:15.250000"
        session.execute(text("UPDATE provider_cooldowns SET until = '2026-07-01 10:00:00'"))
    with session_scope(sqlite_url) as session:
        assert session.get(ProviderCooldown, "libre").until \
            == datetime(2026, 7, 1, 10, 0, tzinfo=timezone.utc)


@pytest.mark.postgres
def test_postgres_answers_in_utc_whatever_the_session_zone(pg_url):
    upgrade(pg_url)
    with session_scope(pg_url) as session:
        job_id = _job(session, next_attempt_at=MOMENT)
    tokyo = create_engine(pg_url, connect_args={"options": "-c TimeZone=Asia/Tokyo"})
    try:
        with Session(tokyo) as session:
            assert session.execute(text("SHOW TimeZone")).scalar_one() == "Asia/Tokyo"
            moment = session.get(Job, job_id).next_attempt_at
    finally:
        tokyo.dispose()
    assert moment == MOMENT and moment.tzinfo is timezone.utc


def test_words_are_stored_as_their_strings_and_read_back_as_members(db_url):
    upgrade(db_url)
    with session_scope(db_url) as session:
        job_id = _job(session, state=JobState.running, stage=Stage.translate)
        session.add(User(name="rita", role="reviewer"))  # a plain string is taken too
    with session_scope(db_url) as session:
        row = session.execute(text("SELECT state, stage FROM jobs WHERE id = :id"),
                              {"id": job_id}).one()
        assert tuple(row) == ("running", "translate")
        assert session.execute(text("SELECT role FROM users")).scalar_one() == "reviewer"
        job = session.get(Job, job_id)
        assert job.state is JobState.running and job.stage is Stage.translate
        assert session.scalars(select(User.role)).one() is Role.reviewer
        # Filters take members and strings alike.
        assert session.scalars(select(Job.id).where(Job.state == "running")).all() == [job_id]
        session.execute(update(Job).where(Job.id == job_id).values(state=JobState.done))
    with session_scope(db_url) as session:
        assert session.get(Job, job_id).state is JobState.done


def test_new_rows_get_the_vocabularys_defaults(db_url):
    upgrade(db_url)
    with session_scope(db_url) as session:
        job_id = _job(session)
    with session_scope(db_url) as session:
        job = session.get(Job, job_id)
        assert (job.state, job.stage) == (JobState.queued, Stage.fetch)
