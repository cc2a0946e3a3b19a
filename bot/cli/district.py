"""`linli district check [DIR]`: validate the district's configuration folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from services.district import check_district, load_district, sample_dir


def add_district_commands(subparsers: Any) -> None:
    """Register `district check` on an argparse subparsers object."""
    district = subparsers.add_parser(
        "district", help="the district's configuration: communities, units, categories, routes"
    )
    commands = district.add_subparsers(dest="district_command", metavar="ACTION", required=True)
    check = commands.add_parser("check", help="report every problem with file:line")
    check.add_argument(
        "dir",
        nargs="?",
        type=Path,
        default=None,
        help="default: LINLI_DISTRICT_DIR, else the bundled sample",
    )
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Print each problem as file:line: message; exit 1 when there are any."""
    folder = args.dir if args.dir is not None else _configured()
    problems = check_district(folder)
    for problem in problems:
        print(problem)
    where = folder or sample_dir()
    if problems:
        print(f"{len(problems)} problem(s) in {where}", file=sys.stderr)
        return 1
    district = load_district(folder)
    print(
        f"ok: {len(district.communities)} communities, {len(district.units)} units, "
        f"{len(district.categories)} categories, {len(district.routes)} routes in {where}"
    )
    if district.sample:
        print(
            "note: this is SAMPLE data (sample: true): replace its communities, units and "
            "chat ids with your district's own",
            file=sys.stderr,
        )
    return 0


def use_configured_district(folder: Path | None) -> None:
    """Commands that name places or count by community (bulletins, reports) read the
    configured district (LINLI_DISTRICT_DIR); DistrictError when it does not validate."""
    from services.district import current

    current.use(load_district(folder))


def _configured() -> Path | None:
    """LINLI_DISTRICT_DIR, read without the rest of the settings (no token needed)."""
    from bot.settings import load_settings

    return load_settings().district_dir
