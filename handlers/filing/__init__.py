"""/complain: the filing conversation, its prompts and its typed steps."""
