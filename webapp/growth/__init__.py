"""Growth: skills and courses, learning sessions, and interview practice."""
