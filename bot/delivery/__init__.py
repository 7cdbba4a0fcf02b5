"""Delivery of the durable outbox (runtime layer: imports ``bot.core`` and ``bot.store``; receives
each platform's :class:`~bot.core.delivery.Messenger` from the runtime, never imports adapters)."""
