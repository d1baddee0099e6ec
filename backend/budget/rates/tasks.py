"""The scheduled fetch of the reference rates (SPEC §14): daily, and only when RATES_URL is
set — otherwise it returns at once and nothing leaves the machine."""

import logging
import time

import urllib3
from django.conf import settings

from budget.rates.ecb import EcbFileError
from budget.rates.services import reference_rates_import

logger = logging.getLogger(__name__)

USER_AGENT = "budget-rates/1"
_CHUNK = 64 * 1024


class RatesFetchError(Exception):
    """The download failed; the message says why (and is what the log shows)."""


def rates_fetch() -> str:
    """Downloads RATES_URL and imports it like `manage.py rates_import`. Returns what it did;
    raises RatesFetchError (logged, and kept by Django-Q2 as a failed task) when the download
    or the file is bad, writing nothing then."""
    url = settings.RATES_URL
    if not url:
        return "RATES_URL is empty: nothing fetched."
    try:
        data = _download(url)
        result = reference_rates_import(data=data)
    except (RatesFetchError, EcbFileError) as error:
        logger.error("Fetching reference rates from %s failed: %s", url, error)
        raise RatesFetchError(f"{url}: {error}") from error
    logger.info("Fetched reference rates from %s. %s", url, result)
    return str(result)


def _download(url: str) -> bytes:
    limit = settings.RATES_FETCH_MAX_BYTES
    seconds = settings.RATES_FETCH_TIMEOUT_SECONDS
    deadline = time.monotonic() + seconds
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(total=seconds),
        # A refused or reset connection is tried twice more; redirects (http → https) followed.
        retries=urllib3.Retry(total=5, connect=2, read=0, status=0, redirect=3, backoff_factor=0.5),
        headers={"User-Agent": USER_AGENT},
    )
    try:
        response = http.request("GET", url, preload_content=False)
    except urllib3.exceptions.HTTPError as error:
        raise RatesFetchError(f"no answer ({type(error).__name__}: {error})") from error
    except ValueError as error:  # not a URL urllib3 can fetch
        raise RatesFetchError(f"not a URL that can be fetched ({error})") from error
    try:
        if response.status != 200:
            raise RatesFetchError(f"answered HTTP {response.status}")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise RatesFetchError(f"{declared} bytes is over the limit of {limit}")
        body = bytearray()
        try:
            for chunk in response.stream(_CHUNK):
                body += chunk
                if len(body) > limit:
                    raise RatesFetchError(f"more than {limit} bytes (RATES_FETCH_MAX_BYTES)")
                if time.monotonic() > deadline:
                    raise RatesFetchError(f"not done within {seconds} s")
        except urllib3.exceptions.HTTPError as error:
            raise RatesFetchError(f"the download broke off ({error})") from error
        return bytes(body)
    finally:
        response.release_conn()
