"""What monitoring reads: ``/healthz`` (no sign-in) and the Prometheus ``/metrics``."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from pipeline.db.session import get_engine
from web.deps import AppSettings, DbSession, Operator
from web.metrics import render_metrics
from web.schemas import Health

log = logging.getLogger(__name__)
router = APIRouter()


@router.get("/healthz", response_model=Health, tags=["public"])
def healthz(settings: AppSettings) -> JSONResponse:
    """The database answers: 200; else 503."""
    try:
        with get_engine(settings.database_url).connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("health check: database unavailable: %s", type(error).__name__)
        return JSONResponse({"status": "unavailable", "database": "unavailable"},
                            status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/metrics", response_class=Response)
def metrics(session: DbSession, identity: Operator) -> Response:
    """Prometheus text: jobs by state, drafts by status, characters sent per provider."""
    return Response(render_metrics(session),
                    media_type="text/plain; version=0.0.4; charset=utf-8")
