"""BC701: custom fields against the organization's defaults."""

from __future__ import annotations
