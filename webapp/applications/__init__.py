"""Applications: the job search pipeline, the rejection flow and asking for feedback."""
