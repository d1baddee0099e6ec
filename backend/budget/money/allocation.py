"""The split rule of an income across buckets (SPEC §3), exact to the cent.

Work is in integer minor units of the base currency (cents for EUR, yen for JPY, fils for
KWD, SPEC §14) and hundredths of a percent, so no rounding happens anywhere: each part
first gets the floor of its exact share, and the units still missing go one by one to the
parts with the largest remainders. Ties: Unallocated loses every tie; between
buckets, the larger percent wins, then the bucket created first.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from budget.common.money import CENT, MILLI

_WHOLE = 10_000  # 100 % in hundredths of a percent


@dataclass(frozen=True)
class Share:
    bucket_id: UUID
    percent: Decimal
    created_at: datetime


def split(
    amount: Decimal, shares: list[Share], *, places: int = 2
) -> tuple[dict[UUID, Decimal], Decimal]:
    """The parts of `amount` per bucket (only parts above zero) and what stays in
    Unallocated, in units of `places` decimals (the base currency's)."""
    cents = int(amount.scaleb(places))
    if cents < 0:
        raise ValueError("Only a positive income is split.")
    hundredths = [int(share.percent.scaleb(2)) for share in shares]
    rest_percent = _WHOLE - sum(hundredths)
    if rest_percent < 0:
        raise ValueError("Allocation percentages add up to more than 100.")

    # (remainder, is_unallocated, percent, created_at, index): the sort order of the tie rule.
    floors: list[int] = []
    order = []
    for index, (share, percent) in enumerate(zip(shares, hundredths, strict=True)):
        floor, remainder = divmod(cents * percent, _WHOLE)
        floors.append(floor)
        order.append((-remainder, 0, -percent, share.created_at, str(share.bucket_id), index))
    rest_floor, rest_remainder = divmod(cents * rest_percent, _WHOLE)
    floors.append(rest_floor)
    order.append((-rest_remainder, 1, 0, datetime.max.replace(tzinfo=UTC), "", len(shares)))

    missing = cents - sum(floors)
    # Each remainder is below one cent and they sum to `missing`, so fewer parts than
    # `missing` can have a zero remainder: a 0 % bucket never receives a cent.
    for *_, index in sorted(order)[:missing]:
        floors[index] += 1

    parts = {
        share.bucket_id: _decimal(part, places)
        for share, part in zip(shares, floors, strict=False)
        if part > 0
    }
    return parts, _decimal(floors[-1], places)


def _decimal(units: int, places: int) -> Decimal:
    return Decimal(units).scaleb(-places).quantize(CENT if places <= 2 else MILLI)
