"""BC301–BC305: start and end dates, overlaps and gaps."""

from __future__ import annotations
