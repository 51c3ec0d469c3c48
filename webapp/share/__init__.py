"""Mentor share pages: links the user gives a mentor, and the read-only page behind them."""
