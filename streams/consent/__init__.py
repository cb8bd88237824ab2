"""The consent stage: what of a person's linked record may be shared, applied in the stream
(``mcr.linked`` -> ``mcr.shared``) and readable at query time (see README.md)."""
