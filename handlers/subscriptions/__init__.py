"""/subscribe, /unsubscribe, /quiet and /stop."""
