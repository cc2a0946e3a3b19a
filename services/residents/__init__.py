"""Who people are (roles, language) and what each owes linli next (awaiting)."""
