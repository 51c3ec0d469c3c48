"""The journal: entries of six kinds in Markdown, searched in full text (issue 7)."""
