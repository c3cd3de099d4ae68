"""``python -m tactful``: the same command line as ``tactful``."""

from .cli import main

main()
