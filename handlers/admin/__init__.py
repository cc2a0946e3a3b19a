"""Admins and operators in Telegram: /reload, the weekly teaching of the knowledge base,
the holiday alert's wording."""
