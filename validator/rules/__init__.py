"""The rule catalog: importing this package registers every rule, family by family."""

from . import (  # noqa: F401  (imported to register their rules)
    loading,
    schema,
)
