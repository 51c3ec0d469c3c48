"""Reminders: a daily check-in reminder by Web Push at the user's local time (issue 9)."""
