"""Trust: roles and permissions, the hash-chained audit log, consent, export and erasure."""
