"""BC201–BC203, BC207–BC210: codes, references, plan ownership, plan groups, pricing coverage."""

from __future__ import annotations
