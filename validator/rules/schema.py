"""BC1xx: schema findings (reported by the schema stage from schemas/*.schema.json)."""

from __future__ import annotations

from ..engine import documented

documented("BC101", "unknown-field", "error", """
    Unknown field or top-level key.

    Why is this bad?
    A misspelt field is silently ignored by most tools, so the setting it was meant to
    make never takes effect. billcheck suggests the closest known name.

    Example
        accounts:
          - code: acme
            name: Acme
            emailAdress: billing@acme.example
    Use instead
        accounts:
          - code: acme
            name: Acme
            emailAddress: billing@acme.example
    """)

documented("BC102", "missing-required-field", "error", """
    Missing required field.

    Why is this bad?
    The billing platform rejects the entity, so the change cannot be applied as a whole.

    Example
        accounts:
          - code: acme
            name: Acme
    Use instead
        accounts:
          - code: acme
            name: Acme
            emailAddress: billing@acme.example
    """)

documented("BC103", "invalid-value", "error", """
    Invalid value: wrong type, not one of the allowed values, bad pattern, format, length
    or range.

    Why is this bad?
    The platform rejects the value, or worse, reads it differently than intended (a date
    like 2024-02-30 does not exist; a negative standing charge is a credit).

    Example
        planTemplates:
          - code: std
            billFrequency: MONTLY
            standingCharge: -5
    Use instead
        planTemplates:
          - code: std
            billFrequency: MONTHLY
            standingCharge: 5
    """)
