"""Public web pages served next to the platform endpoints (the published unity statement)."""
