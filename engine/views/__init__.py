"""What the command line and the board show alike: the JSON documents of ``--json`` and of the
board's API, built once from the Engine's answers so the two can never drift apart.
"""
