"""Next-best actions: playbooks, the live call session, ranking, learning and wrap-up."""
