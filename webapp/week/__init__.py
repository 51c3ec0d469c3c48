"""Week: weekly goals (applications, networking, learning), logging networking and learning,
and the weekly review (seed ideas 4 and 6)."""
