"""Identity's offline tooling, kept out of the live worker's import path.

``records_file`` (labelled records, CSV), ``evaluation`` (pairwise precision and recall),
``linkeval`` (``mcr link-eval``), ``em`` and ``training`` (``mcr identity train``: Fellegi-Sunter
weights by expectation maximisation), ``sandbox`` (a throwaway streams stage on the real stack,
for the live worker tests and the benchmark). Nothing in the live stage imports this package.
"""
