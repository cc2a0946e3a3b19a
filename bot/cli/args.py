"""Argument types shared by the ``linli`` subcommands: argparse turns their errors into one
usage line and exit code 2, instead of a traceback or a silently odd result."""

from __future__ import annotations

import argparse


def whole_number(text: str) -> int:
    """Any integer, with argparse's own wording when it is not one."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None


def positive_int(text: str) -> int:
    """A count such as ``--limit``: 1 or more."""
    number = whole_number(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a count: give 1 or more")
    return number


def calendar_year(text: str) -> int:
    """A calendar year written with four digits, such as 2027."""
    number = whole_number(text)
    if not 1000 <= number <= 9999:
        raise argparse.ArgumentTypeError(f"{text} is not a year: write four digits, e.g. 2027")
    return number
