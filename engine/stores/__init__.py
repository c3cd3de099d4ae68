"""Where applications live: the store protocol, the memory and SQLite stores, the outbox
written in the same transaction, and the rule sets applications are pinned to.
"""
