"""ISO 4217 currencies and their minor units (SPEC §14).

The table is ours, not a library's: a currency's number of decimals decides what an amount
may carry and how it is written, so it must not change with a dependency's update. Funds with
four places (CLF, UYW) and the precious metals (X-codes without a minor unit) are left out:
no wallet holds them.
"""

from decimal import Decimal
from functools import cache

# One readable block per minor unit rather than 170 list lines.
_ZERO_PLACES = frozenset(
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split()  # noqa: SIM905
)
_THREE_PLACES = frozenset("BHD IQD JOD KWD LYD OMR TND".split())  # noqa: SIM905
_TWO_PLACES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD
    KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR
    RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD XCG YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905
)

PLACES: dict[str, int] = {
    **dict.fromkeys(_TWO_PLACES, 2),
    **dict.fromkeys(_ZERO_PLACES, 0),
    **dict.fromkeys(_THREE_PLACES, 3),
}
CURRENCY_CODES = frozenset(PLACES)
# The most decimals any currency has: what the database keeps (thousandths).
MAX_PLACES = 3

_MESSAGE = "Use an ISO 4217 currency code such as EUR or USD."


def places(code: str) -> int:
    """The currency's minor unit: how many decimals its amounts have (2 for an unknown code,
    as amounts had before currencies had places)."""
    return PLACES.get(code, 2)


def amount_str(value: Decimal, code: str) -> str:
    """`value` written with exactly the currency's decimals ("1200", "12.30", "1.250")."""
    return f"{value:.{places(code)}f}"


def amount_str_exact(value: Decimal, code: str) -> str:
    """`value` with the currency's decimals; one with more (an amount refused for them, named
    in a message or a preview: "12.50" JPY) exactly as it is, never rounded."""
    text = amount_str(value, code)
    return text if Decimal(text) == value else f"{value:f}"


def currency_check(value: str) -> str:
    """The code, upper-cased, if it is a currency of the table; ValueError otherwise (a
    pydantic validator turns it into a 422 naming the field)."""
    code = value.strip().upper() if isinstance(value, str) else value
    if code not in CURRENCY_CODES:
        raise ValueError(_MESSAGE)
    return code


@cache
def currencies_list() -> list[dict]:
    """Every currency of the table with its English name, by code."""
    from babel.numbers import get_currency_name

    return [
        {"code": code, "name": get_currency_name(code, locale="en"), "places": places(code)}
        for code in sorted(CURRENCY_CODES)
    ]
