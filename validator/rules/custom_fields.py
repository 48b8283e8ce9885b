"""BC701: custom fields against the organization's defaults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..engine import Report, rule
from ..model import Model

# The kinds that organization-level defaults apply to: kind → (defaults key, plural noun).
DEFAULTS_FOR = {"account": ("account", "accounts"), "accountPlan": ("accountPlan", "account plans")}


def _type_noun(value: Any) -> str:
    return "a string" if isinstance(value, str) else "a number"


@rule("BC701", "custom-field-type-mismatch", "warning", scope="account")
def custom_field_type_mismatch(model: Model) -> Iterator[Report]:
    """A custom field overrides an organization-level default with a value of another type.

    Why is this bad?
    The organization's customFields give every account (and account plan) a default
    value. Reports, integrations and templates that read the field expect the default's
    type; a number where the default is a string (or the reverse) breaks them for this
    one entity only, which is hard to notice. Quote the value to make it a string.

    Example
        organization:
          customFields:
            account: {costCentre: "1200"}
        accounts:
          - {code: acme, name: Acme, emailAddress: billing@acme.example,
             customFields: {costCentre: 1300}}
    Use instead
        accounts:
          - {code: acme, name: Acme, emailAddress: billing@acme.example,
             customFields: {costCentre: "1300"}}
    """
    org_fields = model.org_setting("customFields") or {}
    for kind, (defaults_key, nouns) in DEFAULTS_FOR.items():
        defaults = org_fields.get(defaults_key) or {}
        for entity in model.entities[kind]:
            for name, value in (entity.get("customFields") or {}).items():
                default = defaults.get(name)
                if default is None or isinstance(value, str) == isinstance(default, str):
                    continue
                yield Report(
                    entity,
                    f"custom field '{name}' of {entity.label} is {_type_noun(value)}, but the "
                    f"organization's default for {nouns} is {_type_noun(default)}",
                    entity.location_at(("customFields", name)),
                    "quote the value to make it a string" if isinstance(default, str)
                    else "use a number, like the organization's default, or rename the field",
                )
