"""The Insights page: a candidate's report (see :mod:`tactful.views.report`) as charts, with the
timeline of their whole search, at ``/insights`` (the implicit candidate) and
``/c/KEY/insights``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..views.report import document
from ..views.reporthtml import insights_body, period_text
from .rendering import render
from .scope import scope_of, scoped_routes


async def insights(request: Request) -> Response:
    scope = scope_of(request)
    doc = document(scope.engine, timeline=True)
    body = insights_body(doc, scope.now.astimezone(scope.tz).date())
    return render(request, "insights.html", title="Insights", body=body, period=period_text(doc))


ROUTES = scoped_routes([("/insights", insights, ["GET"])], "", "/c/{candidate}")
