"""The district's own configuration: communities, units, categories and routing rules.

The operator keeps it in a YAML folder (LINLI_DISTRICT_DIR; the bundled sample otherwise),
checked by `linli district check` and followed live, like the knowledge base.
"""

from services.district.loader import DistrictError, check_district, load_district, sample_dir
from services.district.model import Category, Community, District, Route, Unit, UnitKind

__all__ = [
    "Category",
    "Community",
    "District",
    "DistrictError",
    "Route",
    "Unit",
    "UnitKind",
    "check_district",
    "load_district",
    "sample_dir",
]
