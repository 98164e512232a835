"""A judged benchmark of similar-initiative search on Projektbanken (see README.md here)."""
