"""BC401–BC404: bill epochs, standing-charge cycles and shared bill dates."""

from __future__ import annotations
