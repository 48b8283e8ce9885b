"""BC204–BC206 and BC501–BC505: parent/child hierarchy and how it bills."""

from __future__ import annotations
