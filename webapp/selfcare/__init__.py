"""Self-care: the user's habits, and ticking them off day by day."""
