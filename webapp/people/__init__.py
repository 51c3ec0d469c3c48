"""People: the user's support network, and keeping in touch with it."""
