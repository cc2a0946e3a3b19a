"""Test doubles: fakes over mocks (see tests/fakes/bot_api.py for the Telegram side)."""
