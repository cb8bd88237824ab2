"""``python -m mcr``: the same as the ``mcr`` console script (used to spawn workers)."""

from mcr.cli import main

main()
