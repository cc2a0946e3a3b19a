"""Loading and asking the district's configuration at a size no street office reaches.

Writes a district of ``--communities`` communities with ``--buildings`` buildings each,
``--units`` units and a routing rule per community and category into a temporary folder,
then times what a process does with it: the load and validation at start and on every
change (the follow job), a building audience typed by an official, a route. Prints one JSON
object: communities, buildings, routes, load_ms (median of 5), check_ms (``linli district
check``), find_building_us and route_us (median per call) and the sample's load_ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from services.district import check_district, load_district
from services.district.model import District

CATEGORIES = ("noise", "property", "sanitation", "facilities")


def write_district(folder: Path, communities: int, buildings: int, units: int) -> None:
    lines = ["communities:"]
    for c in range(communities):
        places = ", ".join(f"{b + 1}号楼" for b in range(buildings))
        lines.append(f"  - {{id: c{c}, name: 社区{c}, buildings: [{places}], "
                     f"lat: {30 + c / 1000}, lon: {120 + c / 1000}}}")  # fmt: skip
    lines.append("units:")
    for u in range(units):
        lines.append(f"  - {{id: u{u}, name: 单位{u}, kind: grid, chat_id: -100{u + 1}}}")
    lines.append("routes:")
    for c in range(communities):
        for category in CATEGORIES:
            lines.append(f"  - {{category: {category}, community: c{c}, unit: u{c % units}}}")
    lines.append('  - {category: "*", community: "*", unit: u0}')
    (folder / "district.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def median_ms(action: object, times: int = 5) -> float:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 2)


def per_call_us(district: District, calls: int) -> tuple[float, float]:
    start = time.perf_counter()
    for i in range(calls):
        district.find_building(f"社区{i % len(district.communities)} 3号楼")
    find = (time.perf_counter() - start) / calls * 1e6
    start = time.perf_counter()
    for i in range(calls):
        district.route(CATEGORIES[i % 4], f"c{i % len(district.communities)}")
    route = (time.perf_counter() - start) / calls * 1e6
    return round(find, 1), round(route, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument("--buildings", type=int, default=40)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_district(folder, args.communities, args.buildings, args.units)
        load_ms = median_ms(lambda: load_district(folder))
        check_ms = median_ms(lambda: check_district(folder))
        district = load_district(folder)
    find_us, route_us = per_call_us(district, args.calls)
    print(json.dumps({
        "communities": len(district.communities),
        "buildings": sum(len(c.places) for c in district.communities),
        "routes": len(district.routes),
        "load_ms": load_ms,
        "check_ms": check_ms,
        "find_building_us": find_us,
        "route_us": route_us,
        "sample_load_ms": median_ms(lambda: load_district(None)),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
