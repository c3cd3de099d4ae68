"""The JSON Schema (draft 2020-12) of a rule file, for editors with YAML language support.

It is made from the keys the builder accepts (:mod:`tactful.language.build`) and the settings it
knows (:mod:`tactful.language.settings`), so the two cannot drift apart. It describes the shape of a
file only: names used in expressions, states reached and the like are for
`tactful rules validate` and `tactful rules check`. ``rules/schema.json`` is its output,
and the shipped rule files point to it with a ``yaml-language-server`` modeline.
"""

from __future__ import annotations

import json
from typing import Any

from ..vocabulary.timecalc import DAY_NAMES, FULL_DAY_NAMES
from .build_actions import (
    ACTION_KEYS,
    CHECK_KEYS,
    EVENT_KEYS,
    INVARIANT_KEYS,
    INVARIANT_PATHS,
    INVARIANT_REQUIRED,
    ONE_OF_KEYS,
    PARAM_TYPES,
    POLICY_RULE_KEYS,
    POLICY_RULE_REQUIRED,
    SUBSTITUTE_KEYS,
    TEMPLATE_KEYS,
)
from .build_facts import FACT_KEYS, FACT_REQUIRED
from .build_states import (
    ADVICE_KEYS,
    ADVICE_REQUIRED,
    BRANCH_KEYS,
    BRANCH_REQUIRED,
    EVERYWHERE_KEYS,
    SHIFTS,
    STATE_KEYS,
    TIMER_ALLOWED,
    TIMER_KEYS,
)
from .durations import UNIT_PATTERN
from .ruleset import FACT_TYPES, MARKS, TOP_KEYS
from .settings import DURATIONS, MAX_CALLS, MONTH_DAY, ROUTES, SETTINGS, WORD
from .sources import SOURCE_KEYS, SOURCE_REQUIRED, STRENGTHS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: The file the shipped rule sets point to, relative to the `rules` folder.
SCHEMA_FILE = "schema.json"
MODELINE = "# yaml-language-server: $schema="

_EXPR = {"$ref": "#/$defs/expression"}
_TEXT = {"$ref": "#/$defs/sentence"}
_NAME = {"type": "string", "minLength": 1}
_CITE = {"$ref": "#/$defs/source_keys"}


def _object(properties: dict[str, Any], keys: tuple[str, ...], required: tuple[str, ...] = (),
            description: str = "") -> dict[str, Any]:  # fmt: skip
    """A mapping with exactly ``keys`` (each described in ``properties``), like the builder's checks."""
    missing = set(keys) - set(properties)
    assert not missing, f"the schema does not describe {sorted(missing)}"
    result: dict[str, Any] = {"type": "object", "properties": {k: properties[k] for k in keys},
                              "additionalProperties": False}  # fmt: skip
    if required:
        result["required"] = list(required)
    if description:
        result["description"] = description
    return result


def _list(item: dict[str, Any], description: str = "") -> dict[str, Any]:
    result = {"type": "array", "items": item}
    return {**result, "description": description} if description else result


def _named(entry: dict[str, Any], description: str, removable: bool = True) -> dict[str, Any]:
    """A section of named entries; in a file that extends another, null removes one."""
    value = {"anyOf": [entry, {"type": "null"}]} if removable else entry
    return {"type": "object", "additionalProperties": value, "description": description}


def _insensitive(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" for c in word)


def _settings() -> dict[str, Any]:
    days = "|".join(_insensitive(d) for d in (*FULL_DAY_NAMES, *DAY_NAMES))
    kinds: dict[str, Any] = {name: {"$ref": "#/$defs/duration"} for name in DURATIONS}
    kinds.update({
        "max_calls": {"type": "integer", "minimum": 1, "maximum": MAX_CALLS,
                      "description": "inquiry calls; a callback does not count"},
        "contact_days": {"type": ["array", "null"], "minItems": 1,
                         "items": {"type": "string", "pattern": f"^\\s*({days})\\s*$"},
                         "description": "days on which the employer is contacted, like [mon, tue, wed, thu, fri]; "
                                        "null: the working days of the holidays country, else mon-fri"},
        "contact_hours": {"type": "string", "pattern": r"^\s*\d{2}:\d{2}(:\d{2})?\s*-\s*\d{2}:\d{2}(:\d{2})?\s*$",
                          "description": "hours in the interviewer's zone, like 09:00-17:00"},
        "holidays": {"type": ["string", "null"],
                     "description": "a country code such as US or US-CA; auto: the country of the interviewer's time "
                                    "zone; none (or null): no holidays"},
        "language": {"type": ["string", "null"], "pattern": f"^{WORD.pattern}$",
                     "description": "the language of reports and the proof of search, like de; null: English"},
        "company_size": {"type": ["string", "null"], "pattern": f"^{WORD.pattern}$",
                         "description": "the size of company this set is for, like small; reports group by it"},
        "answer_not_before": {"type": ["string", "null"], "pattern": f"^{MONTH_DAY.pattern}$",
                              "description": "a date every year has, like '02-01': no answer to an offer is due "
                                             "before it (not_before); null: none"},
        "contact_route": {"enum": list(ROUTES),
                          "description": "whom you contact: the employer, or a recruiter (drafts address them, "
                                         "and `can` says so)"},
    })  # fmt: skip
    kinds["source"] = {"type": "object", "additionalProperties": _CITE,
                       "description": "what each setting set in this file cites: NAME: KEY"}  # fmt: skip
    return _object(kinds, (*SETTINGS, "source"), description="the numbers of the etiquette")


def _defs() -> dict[str, Any]:
    target = {"anyOf": [{"type": "null"}, _NAME, {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/branch"}}],
              "description": "a state, null (stay), or branches: the first whose `when` holds"}  # fmt: skip
    return {
        "expression": {"type": ["string", "number", "boolean"],
                       "description": "an expression over facts, settings and derived names"},
        "sentence": {"type": "string", "description": "a sentence; {name} is replaced by that name's value"},
        "duration": {"type": "string", "pattern": rf"^\s*\d+\s*({UNIT_PATTERN}|working\s+days?)\s*$",
                     "description": "a whole number and a unit: 14 days, 2 weeks, 36 hours; or 10 working days"},
        "source_keys": {"anyOf": [_NAME, {"type": "array", "minItems": 1, "items": _NAME}],
                        "description": "a key of `sources` (or ours: a number tactful chose), or a list of them"},
        "branch": _object({"to": {"type": ["string", "null"]}, "when": _EXPR, "source": _CITE}, BRANCH_KEYS,
                          BRANCH_REQUIRED),
        "target": target,
        "transitions": {"type": "object", "additionalProperties": {"$ref": "#/$defs/target"},
                        "description": "event: where it leads"},
        "advice": _object({"action": _NAME, "due": _EXPR, "from": _EXPR, "by": _EXPR, "when": _EXPR,
                           "shift": {"enum": list(SHIFTS)}, "optional": {"type": "boolean"}, "source": _CITE},
                          ADVICE_KEYS, ADVICE_REQUIRED),
        "timer": _object({"at": _EXPR, "to": {"$ref": "#/$defs/target"}, "source": _CITE}, TIMER_ALLOWED,
                         TIMER_KEYS),
        **{f"{kind}_check": _object({cond: _EXPR, says: _TEXT}, (cond, says), (cond, says))
           for kind, (cond, says) in CHECK_KEYS.items()},
        "policy_rule": {**_object({"allow": _EXPR, "deny": _EXPR, "because": _TEXT, "until": _EXPR, "source": _CITE},
                                  POLICY_RULE_KEYS, POLICY_RULE_REQUIRED),
                        "oneOf": [{"required": ["allow"]}, {"required": ["deny"]}]},
    }  # fmt: skip


def _sections() -> dict[str, Any]:
    param = {"anyOf": [{"enum": list(PARAM_TYPES)},
                       _object({"one_of": {"type": "array", "minItems": 1, "items": {"type": "string"}}}, ONE_OF_KEYS,
                               ONE_OF_KEYS)]}  # fmt: skip
    action = _object({
        "channels": {"type": "array", "items": _NAME}, "contact": {"type": "boolean"},
        "shift": {"enum": ["auto", "none"]}, "describe": _TEXT,
        "instead": _list(_object({"when": _EXPR, "use": _NAME}, SUBSTITUTE_KEYS, SUBSTITUTE_KEYS)),
        "record": {**_NAME, "description": "the event that records having done it"},
    }, ACTION_KEYS)  # fmt: skip
    event = _object({
        "params": {"type": "object", "additionalProperties": param},
        **{kind: _list({"$ref": f"#/$defs/{kind}_check"}) for kind in ("require", "refuse", "warn")},
        "set": {"type": "object", "additionalProperties": _EXPR}, "describe": _TEXT,
        "channel": {**_NAME, "description": "recording it means the job seeker used this channel"},
    }, EVENT_KEYS)  # fmt: skip
    state = _object({
        "initial": {"type": "boolean"}, "final": {"type": "boolean"}, "describe": _TEXT,
        "marks": {"type": "array", "items": {"enum": list(MARKS)}},
        "advises": _list({"$ref": "#/$defs/advice"}), "timers": _list({"$ref": "#/$defs/timer"}),
        "on": {"$ref": "#/$defs/transitions"},
    }, STATE_KEYS)  # fmt: skip
    invariant = _object({"name": {"type": "string"}, "holds": _EXPR, "says": _TEXT,
                         "paths": {"enum": list(INVARIANT_PATHS)}}, INVARIANT_KEYS, INVARIANT_REQUIRED)  # fmt: skip
    fact = _object({"type": {"enum": list(FACT_TYPES)}, "default": {}}, FACT_KEYS, FACT_REQUIRED)
    return {
        "description": {"type": "string", "description": "one sentence about the rule set"},
        "settings": _settings(),
        "facts": _named(fact, "what the engine remembers about an application"),
        "derived": _named(_EXPR, "named expressions, usable everywhere", removable=False),
        "actions": _named(action, "what may be advised, on which channels"),
        "events": _named(event, "what can be recorded"),
        "states": _named(state, "the state machine"),
        "everywhere": _object(
            {"on": {"$ref": "#/$defs/transitions"}, "advises": _list({"$ref": "#/$defs/advice"})},
            EVERYWHERE_KEYS,
            description="shared by every state that is not final",
        ),
        "policies": _named(_list({"$ref": "#/$defs/policy_rule"}), "what `tactful can` answers, channel by channel"),
        "invariants": _list(invariant, "what `tactful rules check` proves on every explored path"),
        "templates": _named(_template(), "message templates by action, for drafts"),
        "sources": _named(_source(), "citations by key, for `source:` in settings, advice, timers, branches, policies"),
    }


def _source() -> dict[str, Any]:
    return _object({"title": {"type": "string", "minLength": 1}, "url": {"type": "string", "pattern": "^https?://"},
                    "publisher": {"type": "string"}, "year": {"type": "integer", "minimum": 1800, "maximum": 2200},
                    "strength": {"enum": list(STRENGTHS)}}, SOURCE_KEYS, SOURCE_REQUIRED)  # fmt: skip


def _template() -> dict[str, Any]:
    text = {"type": "string", "description": "Jinja2 text"}
    spec = _object({"text": text, "file": {"type": "string", "description": "a file, relative to this one"},
                    "channel": _EXPR}, TEMPLATE_KEYS)  # fmt: skip
    alternatives = {"type": "array", "minItems": 1, "items": _NAME, "description": "other templates, drafted each"}
    return {"anyOf": [text, {**spec, "oneOf": [{"required": ["text"]}, {"required": ["file"]}]}, alternatives]}


def rule_schema() -> dict[str, Any]:
    """The JSON Schema of a rule file. A top-level key it does not describe yet is left open."""
    sections = _sections()
    names = {"type": "array", "minItems": 1, "items": {"type": "string"}}
    properties = {"extends": {"anyOf": [{"type": "string"}, names],
                              "description": "a shipped rule set by name or a path; or a rule set, then overlays"},
                  "overlay": {"type": "boolean", "description": "true: a file that changes any rule set"},
                  **{key: sections.get(key, {}) for key in TOP_KEYS}}  # fmt: skip
    return {
        "$schema": DIALECT,
        "title": "tactful rule file",
        "description": "The etiquette of following up after a job interview, as data. See docs/rules.md.",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "$defs": _defs(),
    }


def schema_text() -> str:
    """The schema as `tactful rules schema` prints it (and ``rules/schema.json`` holds it)."""
    return json.dumps(rule_schema(), indent=2, ensure_ascii=False) + "\n"
