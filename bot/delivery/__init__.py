"""The outbox's delivery worker: claims due messages and sends them within Telegram's limits."""
