"""A report as HTML: the sections of the board's Insights page (:func:`insights_body`) and the
self-contained file of `tactful report --format html` (:func:`report_html`), with the same
charts (:mod:`.charts`), each followed by its numbers in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from . import charts
from .reporttext import rate

_env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

_BODY = _env.from_string("""\
<section class="insights" aria-labelledby="funnel-h">
<h2 id="funnel-h">Funnel</h2>
{{ funnel }}
</section>
<section class="insights" aria-labelledby="response-h">
<h2 id="response-h">Response to follow-ups</h2>
<p>How often each follow-up got an answer before the next step was due. Rates need at least {{ min }} cases.</p>
{{ response }}
<ul>{% for name, found in doc.response.by_channel.items() %}<li>any {{ name }}: {{ rate(found) }}</li>{% endfor %}</ul>
</section>
<section class="insights" aria-labelledby="lateness-h">
<h2 id="lateness-h">How late employers decided</h2>
{{ lateness }}
{% set days = doc.lateness.days %}
{% if days.median is none %}<p>{{ days.count }} decisions after a stated date: too few to tell.</p>
{% else %}<p>Median {{ "%g"|format(days.median) }} days after the stated date
(quartiles {{ "%g"|format(days.q1) }} to {{ "%g"|format(days.q3) }}), longest {{ "%g"|format(days.longest) }};
within grace: {{ rate(doc.lateness.within_grace) }}.</p>{% endif %}
<p>Moved on without any answer: {{ rate(doc.ghosting.overall) }}.
{% for size, found in doc.ghosting.get("by_company_size", {}).items() %}
 {{ size }} companies: {{ rate(found) }}.{% endfor %}</p>
</section>
{% if timeline is not none %}
<section class="insights" aria-labelledby="timeline-h">
<h2 id="timeline-h">Timeline of the whole search</h2>
{{ timeline }}
<table>
<caption>Every application, by interview date</caption>
<thead><tr><th scope="col">Employer</th><th scope="col">Interviewed</th><th scope="col">Contacts</th>
<th scope="col">Outcome</th></tr></thead>
<tbody>
{% for row in rows %}<tr><td>{{ row.company }}</td><td>{{ row.interviewed or "" }}</td>
<td>{% for c in row.contacts %}{{ c.at[:10] }} {{ c.channel }}{% if not loop.last %}; {% endif %}{% endfor %}</td>
<td>{{ row.outcome | replace("_", " ") }}</td></tr>
{% endfor %}
</tbody>
</table>
</section>
{% endif %}
{% if suggestions %}
<section class="insights" aria-labelledby="suggestions-h">
<h2 id="suggestions-h">Suggestions</h2>
<ul>{% for s in suggestions %}<li>{{ s.evidence }}: <code>{{ s.command }}</code></li>{% endfor %}</ul>
</section>
{% endif %}
""")

_PAGE = _env.from_string("""\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; color: #222; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
svg.chart { max-width: 100%; height: auto; font: 13px system-ui, sans-serif; }
table { border-collapse: collapse; } th, td { border: 1px solid #999; padding: .25rem .5rem; text-align: left; }
</style>
</head>
<body>
<main>
<h1>{{ title }}</h1>
<p>{{ period }}</p>
{{ body }}
</main>
</body>
</html>
""")


def insights_body(doc: Mapping[str, Any], today: date) -> Markup:
    """The charts and their numbers for a report document (one candidate's, with its timeline and
    suggestions; or a coach's, without either)."""
    numbers = doc["overall"]
    rows = doc.get("timeline")
    ordered = sorted(rows, key=lambda r: (r["interviewed"] or "", r["id"])) if rows is not None else None
    text = _BODY.render(
        doc=numbers, min=doc["min_sample"], rate=rate, rows=ordered or [],
        funnel=charts.funnel_chart(numbers["funnel"]), response=charts.response_chart(numbers["response"]),
        lateness=charts.lateness_chart(numbers["lateness"]),
        timeline=charts.timeline_chart(ordered, today) if ordered is not None else None,
        suggestions=doc.get("suggestions", []),
    )  # fmt: skip
    return Markup(text)  # noqa: S704 - a template with autoescape, its charts escaped Markup


def period_text(doc: Mapping[str, Any]) -> str:
    period = doc["period"]
    if not period["from"] and not period["to"]:
        return "The whole search."
    return f"Interviews from {period['from'] or 'the start'} to {period['to'] or 'now'}."


def report_html(doc: Mapping[str, Any], today: date) -> str:
    """A whole HTML file: no script, no external reference, its style inline."""
    title = "Looking back: every candidate" if "candidates" in doc else "Looking back on the search"
    return _PAGE.render(title=title, period=period_text(doc), body=insights_body(doc, today))
