"""Visualize: "my why" and guided visualizations of the goal reached (seed idea 10)."""
