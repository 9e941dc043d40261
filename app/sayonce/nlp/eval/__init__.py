"""The evaluation harness behind ``sayonce eval``: labelled sets and the scores they give."""
