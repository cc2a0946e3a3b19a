"""A resident's own data: /mydata sends it all, /forget erases it (with a confirmation)."""
