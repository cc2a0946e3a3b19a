"""Where the resident lives: /profile, the /start question, buttons and typed search."""
