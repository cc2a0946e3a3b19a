"""Residents' questions: the answer, "did you mean", feedback buttons."""
