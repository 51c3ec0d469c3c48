"""Insights: pictures of the user's own mood, self-care, resilience and job search, and the
low-mood care card on Today."""
