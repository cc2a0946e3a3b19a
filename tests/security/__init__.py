"""Probes of an attacker, a careless user and a flaky network (issue "Trust")."""
