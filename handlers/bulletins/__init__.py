"""/bulletins, /bulletin_add, /bulletin_remove: regular bulletins (居务公开)."""
