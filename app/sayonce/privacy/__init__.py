"""Privacy: PII redaction before anything is stored, embedded, summarized or logged."""
