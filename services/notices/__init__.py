"""Broadcasts, bulletins, subscriptions and the 居务公开 disclosure."""
