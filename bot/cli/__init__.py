"""The `linli` command line: run, console, db, kb, staff, outbox, report, bulletin, calendar."""
