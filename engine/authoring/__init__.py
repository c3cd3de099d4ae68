"""Tools for rule authors: ``rules check`` (exploring every reachable state), scenarios,
diagrams, editing, diffing and migrating rule sets, and test helpers.
"""
