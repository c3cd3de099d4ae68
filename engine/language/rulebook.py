"""Finds and keeps the rule sets applications run under, each loaded once per process."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .loader import load_rules, resolve
from .ruleset import RuleSet


class RuleBook:
    """Rule sets by reference (a shipped name or a path), loaded on first use.

    A path is kept absolute, so an application added from one folder still finds its
    rules when a command runs from another.
    """

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        cache_dir: Path | None = None,
        check_templates: bool = True,
        on_load: Callable[[RuleSet], None] | None = None,
    ) -> None:
        """``check_templates=False`` leaves the Jinja2 checks of message templates (and the
        import of Jinja2) to the moment a draft is rendered; the CLI starts faster that way.
        ``on_load`` is called with each rule set once it is loaded (or added), before it is used;
        the CLI passes one that calls the ``tactful_rules_loaded`` hook."""
        self.functions = dict(functions or {})
        self.cache_dir = cache_dir
        self.check_templates = check_templates
        self.on_load = on_load
        self._loaded: dict[str, RuleSet] = {}

    def reference(self, ref: str) -> str:
        """How an application stores ``ref``: a shipped name as is, a path made absolute.

        Raises:
            InputError: when ``ref`` names nothing.
        """
        path, shown = resolve(ref)
        return ref if shown.startswith("rules/") and "/" not in ref else str(path.resolve())

    def get(self, ref: str) -> RuleSet:
        """The rule set ``ref`` names, loading it the first time.

        Raises:
            RuleErrors: when the rule file has problems.
            InputError: when ``ref`` names nothing.
        """
        rules = self._loaded.get(ref)
        if rules is None:
            rules = load_rules(ref, functions=self.functions, cache_dir=self.cache_dir,
                               check_templates=self.check_templates)  # fmt: skip
            self.loaded(rules)
            self._loaded[ref] = rules
        return rules

    def add(self, ref: str, rules: RuleSet) -> None:
        """Use ``rules`` for ``ref`` (an embedding app's own, built in memory)."""
        self.loaded(rules)
        self._loaded[ref] = rules

    def loaded(self, rules: RuleSet) -> RuleSet:
        """``rules``, once ``on_load`` has seen it: for every rule set this book loads or is
        given, and for the kept copies an application still runs under (see
        :class:`tactful.stores.pinning.Pinned`), which are compiled outside the book."""
        if self.on_load is not None:
            self.on_load(rules)
        return rules
