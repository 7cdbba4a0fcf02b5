"""Slack: Bolt's AsyncApp over HTTP (or Socket Mode), Block Kit rendering, OAuth installs."""
