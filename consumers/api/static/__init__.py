"""The clinician viewer's files, served as they are: plain HTML, CSS and JavaScript."""
