"""BC601–BC603: pricing bands, overage bands and currencies."""

from __future__ import annotations
