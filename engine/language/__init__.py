"""Reading and compiling rule files: YAML with positions in, a frozen, checked ``RuleSet`` out.

Loader, builders, the expression compiler, durations, settings, the JSON schema, the rule
cache and the template sandbox. It knows nothing of applications being run.
"""
