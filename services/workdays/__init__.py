"""Working days and hours: the holiday calendar, the operator's holiday file, alerts."""
