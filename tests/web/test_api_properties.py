"""Property-based API tests: requests generated from /openapi.json against the app in
process, on both databases. No answer may be a 5xx, and every answer must be one the
document declares, with the declared body.

Bounded (a few examples per operation, one seeded database per kind for the module) so the
run stays short; raise MAX_EXAMPLES locally for a deeper search.
"""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine, text, update

from config.settings import Settings
from pipeline.db.models import ApiToken, User
from pipeline.db.session import get_engine, session_scope
from pipeline.vocabulary import Role
from tests.web.conftest import _seed
from web.app import create_app

MAX_EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


class _Current:
    """The ASGI app under test: the schema is loaded once, the database changes per param."""

    app = create_app(Settings(database_url="sqlite://"), publish=None)

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)


CURRENT = _Current()
schema = schemathesis.openapi.from_asgi("/openapi.json", CURRENT)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def seeded_app(request, tmp_path_factory):
    """(database URL, admin token) of a seeded database, its app made the current one."""
    if request.param == "sqlite":
        url, cleanup = f"sqlite:///{tmp_path_factory.mktemp('props') / 'api.db'}", None
    else:
        server = request.getfixturevalue("pg_server")
        name = f"transdraft_props_{uuid.uuid4().hex[:12]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.rsplit("/", 1)[0] + f"/{name}"

        def cleanup() -> None:
            get_engine(url).dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    url, users, _draft = _seed(url)
    previous, CURRENT.app = CURRENT.app, create_app(Settings(database_url=url), publish=None)
    yield url, users["admin"].token
    CURRENT.app = previous
    if cleanup:
        cleanup()


def _keep_the_admin(url: str) -> None:
    # A generated request may revoke the admin's token or change their password (which
    # ends their tokens): give the admin back their access so later examples still run.
    with session_scope(url) as session:
        session.execute(update(User).where(User.name == "admin1")
                        .values(active=True, role=Role.admin))
        admin_id = session.query(User.id).filter_by(name="admin1").scalar()
        session.execute(update(ApiToken).where(ApiToken.user_id == admin_id)
                        .values(revoked_at=None))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_answers_match_the_document(case, seeded_app):
    url, token = seeded_app
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
    if case.method in ("DELETE", "PATCH", "PUT") and case.path.startswith(("/api/users",
                                                                            "/api/tokens")):
        _keep_the_admin(url)
