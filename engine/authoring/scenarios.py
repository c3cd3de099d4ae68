"""Scenario files: tests of a rule set, written as data; what a file holds and reading it.

A scenario file names a rule set, the facts of one application (or several), and steps:
move the clock, record an event, and expect a state, the advised actions with their due
moments, the answers of `can`, facts and the pending timer. :func:`collect` finds the files,
:func:`read_scenarios` checks one against the rule set it names (every mistake at
``file:line:col``) and builds its :class:`Scenario` values. The steps are modelled and read
in :mod:`tactful.authoring.scenariosteps`; :mod:`tactful.authoring.scenariorun` plays scenarios against a fake
clock and reports what did not hold. docs/rule-authoring.md describes the format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from ..errors import InputError, Location, RuleError, RuleErrors
from ..language.loader import resolve, shipped_file
from ..language.rulebook import RuleBook
from ..language.ruleset import TOP_KEYS, RuleSet
from ..language.yamltree import YMap, YSeq
from ..runtime.facts import FIELDS, check_dates, normalize
from ..vocabulary.timecalc import zone
from .scenariosteps import Advice, CanExpect, Expect, Step, StepReader, parse_moment

__all__ = [
    "Advice",
    "CanExpect",
    "Expect",
    "Scenario",
    "Step",
    "collect",
    "parse_moment",
    "read_scenarios",
    "rules_reference",
]

FILE_KEYS = ("description", "rules", "application", "start", "scenarios")
SCENARIO_KEYS = ("name", "rules", "application", "applications", "start", "steps")
APP_KEYS = ("company", *FIELDS)
#: Keys that only a rule file has: a file with them and no 'scenarios' was given by mistake.
RULE_FILE_KEYS = frozenset({"extends", *TOP_KEYS}) - set(FILE_KEYS)


@dataclass(frozen=True)
class Scenario:
    """One named story: a rule set, applications by label, and steps."""

    name: str
    rules: str
    start: datetime
    applications: Mapping[str, Mapping[str, Any]]
    steps: tuple[Step, ...]
    where: Location
    zones: Mapping[str, tzinfo] = field(default_factory=dict)


# -- finding and reading files ---------------------------------------------------------


def collect(paths: Iterable[str]) -> list[Path]:
    """The scenario files named: files as given, folders searched for ``*.yaml``/``*.yml``.

    Raises:
        InputError: for a path that does not exist, or a folder with no scenario files.
    """
    found: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            if not inside:
                raise InputError(f"{text}: no scenario files (*.yaml) in this folder")
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(f"{text}: no such file or folder")
    return list(dict.fromkeys(found))


def read_scenarios(path: Path, book: RuleBook) -> list[Scenario]:
    """Read and check one scenario file against the rule sets it names.

    Raises:
        RuleErrors: every problem in the file, each at ``file:line:col``, or the problems
            of a rule set it names.
        InputError: when the file cannot be read.
    """
    from ..language.yamltree import read_text_file, read_yaml

    try:
        text = read_text_file(path, str(path), "scenario file")  # regular files, 1 MiB at most
    except OSError as err:
        raise InputError(f"cannot read scenario file {path}: {err.strerror or err}") from None
    except RuleError as err:
        raise RuleErrors([err]) from None
    try:
        tree = read_yaml(text, str(path))
    except RuleError as err:
        raise RuleErrors([err]) from None
    reader = _Reader(path, book)
    scenarios = reader.file(tree)
    if reader.errors:
        raise RuleErrors(reader.errors)
    return scenarios


def rules_reference(ref: str, base: Path) -> str:
    """How a scenario's ``rules`` is looked up: a shipped name as is, a path made absolute
    (relative to the scenario file's folder). A scenario file is the author's own test, named
    on the command line like a rule file, so its ``rules`` may name a file in another folder.

    Raises:
        InputError: when ``ref`` names nothing.
    """
    if "/" not in ref and not ref.endswith((".yaml", ".yml")) and shipped_file(ref) is not None:
        return ref
    path, _ = resolve(ref if "/" not in ref and not ref.endswith((".yaml", ".yml")) else str(base / ref))
    return str(path.resolve())


class _Reader(StepReader):
    """Checks a scenario file's tree and builds its scenarios, collecting every problem."""

    def __init__(self, path: Path, book: RuleBook) -> None:
        super().__init__()
        self.path = path
        self.book = book

    # -- the file and each scenario ----------------------------------------------------

    def file(self, tree: Any) -> list[Scenario]:
        top = Location(str(self.path), 1, 1)
        if not isinstance(tree, YMap):
            self.error(top, "a scenario file is a mapping with 'rules' and 'scenarios'")
            return []
        if RULE_FILE_KEYS & set(tree) and "scenarios" not in tree:
            self.error(
                top,
                (
                    "this is a rule file, not a scenario file (scenario files have 'scenarios' and usually sit in a "
                    "'scenarios' folder beside the rules); 'tactful rules validate' checks rule files"
                ),
            )
            return []
        self.keys(tree, FILE_KEYS, "the scenario file")
        if isinstance(tree.get("application"), YMap):
            self.keys(tree["application"], APP_KEYS, "an application")
        items = tree.get("scenarios")
        if not isinstance(items, YSeq) or not items:
            self.error(tree.where("scenarios"), "'scenarios' is a list of scenarios, each with 'name' and 'steps'")
            return []
        result = []
        for item, where in zip(items, items.locs, strict=True):
            if not isinstance(item, YMap):
                self.error(where, "each scenario is a mapping with 'name', 'application' and 'steps'")
                continue
            scenario = self.scenario(item, where, tree)
            if scenario is not None:
                result.append(scenario)
        names = [s.name for s in result]
        for scenario in result:
            if names.count(scenario.name) > 1:
                self.error(scenario.where, f"two scenarios are named {scenario.name!r}; give each its own name")
                break
        return result

    def scenario(self, node: YMap, where: Location, top: YMap) -> Scenario | None:
        self.keys(node, SCENARIO_KEYS, "a scenario")
        name = node.get("name")
        if not isinstance(name, str) or not name.strip():
            self.error(node.where("name"), "each scenario needs a 'name': a sentence saying what it shows")
            name = f"scenario at line {where.line}"
        rs, ref = self.rules(node, top)
        if rs is None or ref is None:
            return None
        apps = self.applications(node, top)
        if not apps:
            return None
        zones = {label: zone(str(facts.get("timezone") or "UTC")) for label, facts in apps.items()}
        first = next(iter(apps))
        start = self.start(node, top, rs, zones[first], apps[first])
        steps = self.steps(node, rs, apps, zones, start)
        return Scenario(name, ref, start, apps, tuple(steps), where, zones)

    def rules(self, node: YMap, top: YMap) -> tuple[RuleSet | None, str | None]:
        owner = node if "rules" in node else top
        ref = owner.get("rules")
        if not isinstance(ref, str) or not ref:
            self.error(owner.where("rules"), "name the rule set under test: 'rules: default', or a path to a rule file")
            return None, None
        try:
            reference = rules_reference(ref, self.path.parent)
            return self.book.get(reference), reference
        except InputError as err:
            self.error(owner.where("rules"), str(err))
        except RuleErrors as err:
            self.errors += err.errors
        return None, None

    def applications(self, node: YMap, top: YMap) -> dict[str, dict[str, Any]]:
        given = top.get("application")
        shared = given if isinstance(given, YMap) else YMap(top.loc)
        if "application" in top and not isinstance(given, YMap):
            self.error(top.where("application"), "'application' is a mapping of facts, as 'tactful add' takes them")
        if "application" in node and "applications" in node:
            self.error(node.key_locs["applications"], "give 'application' (one) or 'applications' (several), not both")
            return {}
        many = node.get("applications")
        if many is not None:
            if not isinstance(many, YMap) or not many:
                self.error(node.where("applications"), "'applications' maps a label to each application's facts")
                return {}
            own = {label: many[label] for label in many}
        else:
            own = {"": node.get("application", YMap(node.loc))}
        result = {}
        for label, facts in own.items():
            where = (
                many.where(label) if many is not None else (node if "application" in node else top).where("application")
            )
            checked = self.facts(shared, facts, where)
            if checked is not None:
                result[label] = checked
        return result if len(result) == len(own) else {}

    def facts(self, shared: YMap, own: Any, where: Location) -> dict[str, Any] | None:
        if not isinstance(own, YMap):
            self.error(where, "an application is a mapping of facts: company, interviewed, timezone…")
            return None
        self.keys(own, APP_KEYS, "an application")
        merged = {**shared, **own}
        if any(key not in APP_KEYS for key in merged):
            return None
        company = str(merged.pop("company", "") or "").strip()
        if not company:
            self.error(where, "an application needs its 'company'")
            return None
        try:
            facts = normalize(merged, new=True)
            check_dates(facts)
            return {"company": company, **facts}
        except InputError as err:
            bad = next((k for k in merged if f"--{k.replace('_', '-')}" in (err.cli or str(err))), "")
            self.error(own.where(bad) if bad in own else shared.where(bad) if bad in shared else where, str(err))
            return None

    def start(self, node: YMap, top: YMap, rs: RuleSet, tz: tzinfo, facts: Mapping[str, Any]) -> datetime:
        owner = node if "start" in node else top
        if "start" in owner:
            moment = self.moment(owner.get("start"), owner.where("start"), tz, rs)
            if moment is not None:
                return moment
        return rs.calendar.at_start(date.fromisoformat(facts["interviewed"]), tz)
