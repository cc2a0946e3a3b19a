"""Residents' own data: what linli holds about them, erasing it, and the retention sweep."""
