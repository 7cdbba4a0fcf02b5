"""Operating the bot from the command line (SPEC §5): ``setup``, ``doctor``, ``backup`` and ``restore``.

Nothing here runs inside ``serve`` except the scheduler's heartbeat it reads back; platform checks
talk HTTP with httpx to ``SLACK_API_URL`` and ``DISCORD_API_URL`` (the tests' fakes answer them), so
this package imports no platform library."""
