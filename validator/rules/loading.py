"""BC0xx: problems found while reading and parsing the files (reported by the loader)."""

from __future__ import annotations

from ..engine import documented

documented("BC001", "yaml-syntax-error", "error", """
    YAML syntax error.

    Why is this bad?
    A file that does not parse contributes nothing to the configuration: every entity in it
    is missing from the checks and from the billing platform.

    Example
        accounts:
          - code: acme
            name: "Acme
    Use instead
        accounts:
          - code: acme
            name: "Acme"
    """)

documented("BC002", "duplicate-mapping-key", "error", """
    Duplicate mapping key.

    Why is this bad?
    Most YAML readers silently keep the last value, so one of the two values is lost
    without a word. billcheck keeps the first and reports the second.

    Example
        - code: acme
          currency: USD
          currency: EUR
    Use instead
        - code: acme
          currency: EUR
    """)

documented("BC003", "unreadable-input", "error", """
    Unreadable input: not UTF-8, not a mapping of collections, or a file that cannot be read.

    Why is this bad?
    billcheck cannot tell what the file configures, so it checks nothing in it. This also
    covers YAML tags other than the standard ones (`!!python/object` and the like), which
    billcheck refuses rather than executes.

    Example
        - code: acme        # a list at the top of the file
    Use instead
        accounts:
          - code: acme
    """)

documented("BC004", "resource-limit", "error", """
    Resource limit: alias expansion, nesting depth or size beyond the configured limits.

    Why is this bad?
    A file that expands to millions of nodes (a "billion laughs" file) or nests hundreds of
    levels deep is either a mistake or an attack on the pipeline that checks it. billcheck
    stops reading it early. The limits are set under `limits:` in `.billcheck.yaml`
    (maxFileBytes, maxTotalBytes, maxDepth, maxAliasNodes, maxEntities).

    Example
        a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]   # ... and so on
    Use instead
        Write the data out, or raise the limit if the file really is that large.
    """)

documented("BC005", "yaml-1-1-scalar", "warning", """
    An unquoted scalar that YAML 1.1 readers would read as a boolean, number or date.

    Why is this bad?
    billcheck reads YAML 1.2, where `no` is the string "no". Many other tools in a
    pipeline (PyYAML's default loader, older Ruby and Go libraries) read YAML 1.1, where
    `no` is false and `2024-01-01` is a date, so the same file means different things to
    different readers.

    Example
        - code: no
          name: 2024-01-01
    Use instead
        - code: "no"
          name: "2024-01-01"
    """)

documented("BC009", "unused-suppression", "info", """
    A `# billcheck: ignore[...]` comment that silences nothing.

    Why is this bad?
    The problem it was written for is gone (or the rule id is misspelt), and a stale
    suppression would silently hide the next real finding on that line.

    Example
        - code: acme   # billcheck: ignore[BC320]
    Use instead
        - code: acme
    """)
