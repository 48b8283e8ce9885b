"""The rule catalog: importing this package registers every rule, family by family."""

from . import (  # noqa: F401  (imported to register their rules)
    billing_cycle,
    custom_fields,
    dates,
    hierarchy,
    loading,
    pricing,
    references,
    schema,
)
