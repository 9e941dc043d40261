"""The unified history of one customer: timeline, search, screen pop, "already told us"."""
