"""``python -m tactful``: the same command line as ``tactful``."""

from .cli.main import main

main()
