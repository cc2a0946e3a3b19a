"""A resident's own tickets: /mytickets, /ticket, follow-ups and the rating."""
