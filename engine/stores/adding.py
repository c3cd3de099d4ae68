"""Adds applications in one all-or-nothing insert: every row is checked and started before
any is stored (the path of `add`, and of embedding apps adding several at once)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ..errors import InputError
from ..language.namespace import Portfolio
from ..language.rulebook import RuleBook
from ..language.ruleset import RuleSet
from ..runtime import core
from ..runtime.facts import check_dates, company_name, normalize
from ..vocabulary.records import Application, LogEntry
from .pinning import keep

Started = list[tuple[Application, list[LogEntry]]]
Kept = list[tuple[str, str, str]]


def start_rows(rows: Sequence[Mapping[str, Any]], rules: RuleBook, default_rules: str, now: datetime,
               portfolios: Callable[[RuleSet], Portfolio], settle: Callable[[RuleSet, Application], Application],
               candidate: str = "") -> tuple[Started, Kept]:  # fmt: skip
    """Each row (``company``, ``rules`` and the facts `add` takes) started as of ``now`` with
    its first history row as ``candidate``'s, and the rule sets to keep (``(hash, reference, tree)``).

    Raises:
        InputError: naming the row (1-based, when there are several) with a missing company
            or interview date, or a malformed fact.
        RuleErrors: when a rule set named has problems.
    """
    started: Started = []
    kept: dict[str, tuple[str, str, str]] = {}
    for number, row in enumerate(rows, start=1):
        facts = {k: v for k, v in row.items() if k not in ("company", "rules")}
        try:
            company = company_name(row.get("company"))
            given = normalize(facts, new=True)
            check_dates(given)
            ref = rules.reference(str(row.get("rules") or default_rules))
        except InputError as err:
            if len(rows) > 1:
                raise InputError(f"row {number}: {err}", cli=f"row {number}: {err.cli or err}") from None
            raise
        rs = rules.get(ref)
        if rs.hash not in kept:
            kept[rs.hash] = (rs.hash, ref, keep(rs))
        app, entry = core.start(rs, company, given, now, ref, portfolios(rs))
        started.append((settle(rs, app._replace(candidate=candidate)), [entry]))
    return started, list(kept.values())
