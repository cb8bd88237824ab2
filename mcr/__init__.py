"""My Care Record's ground layer (``mcr.core``) and the ``mcr`` command on top of everything.

Nothing is imported here: importing ``mcr.core`` from a lower layer must not pull in the
command line (see docs/architecture.md).
"""
