"""Stream processors (faust-streaming): identity, consent, de-identification."""
