"""/record (代录): staff record tickets for residents outside Telegram."""
