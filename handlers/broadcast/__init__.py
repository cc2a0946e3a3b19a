"""/broadcast (compose, preview, confirm a notice), /notices and /cancel_notice."""
