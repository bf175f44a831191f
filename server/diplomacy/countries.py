"""Country codes: ISO 3166-1 alpha-2, as the standard lists them today (through pycountry), so
that a well-formed code no country has (XX, ZZ) is refused rather than stored or searched for."""

from __future__ import annotations

import pycountry
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible

CODES: tuple[str, ...] = tuple(sorted(country.alpha_2 for country in pycountry.countries))
KNOWN = frozenset(CODES)
# The codes as one pattern, which the OpenAPI document carries for the fields it validates.
PATTERN = f"^({'|'.join(CODES)})$"


def is_country(code: str) -> bool:
    return code in KNOWN


@deconstructible
class CountryCodeValidator(RegexValidator):
    """A model field's validator. Its pattern is built from the list, not written into the
    migrations, so an update of the list needs none."""

    regex = PATTERN
    message = (
        '"%(value)s" is not an ISO 3166-1 alpha-2 country code: use one in capitals, such as KR '
        "or CN."
    )
    code = "invalid_country"

    def __init__(self) -> None:
        super().__init__()
