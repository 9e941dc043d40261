"""Supervisor review: the suggestion queue, approvals, analytics and playbook management."""
