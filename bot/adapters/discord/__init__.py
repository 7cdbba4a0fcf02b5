"""Discord: application commands, components and modals over discord.py's gateway client.

``app`` wires the client into ``serve``; ``commands`` turns the registry into application commands
and syncs them; ``translate`` turns interactions into neutral invocations; ``render`` turns neutral
replies into embeds, views and modals; ``payloads`` holds the wire shapes both directions use.
"""
