"""The ground layer: what every package above the wire contract uses.

``errors`` (the root error), ``logging`` (PHI allowlist, scrubbing), ``settings`` (the typed
settings base), ``postgres`` (schema connections and DDL), ``secrets`` (masking). It imports
only ``schemas`` and third-party libraries, never a stage or the command line.
"""
