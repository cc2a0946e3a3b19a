"""The staff desk in the staff chat: ticket cards, buttons, commands, forum topics."""
