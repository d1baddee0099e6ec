"""The daily fetch of the reference rates (SPEC §14) from RATES_URL, against a real HTTP
server on 127.0.0.1 serving files made here; and nothing at all while RATES_URL is empty."""

import logging
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule, Task
from tests.cluster import cluster, shared_database, skip_without_redis, wait_for

from budget.common.schedules import SCHEDULES, schedules_apply
from budget.rates.models import ReferenceRate
from budget.rates.tasks import RatesFetchError, rates_fetch
from budget.rates.tests.helpers import DAILY_CSV, HIST_CSV, zipped

pytestmark = pytest.mark.django_db


class Server:
    """Serves `files` (path → bytes); `/slow` answers after 3 s, `/moved` redirects to
    `/hist.zip`, `/unsized` sends no length, anything else is 404. `requests` lists the
    paths asked for."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {
            "/hist.zip": zipped("eurofxref-hist.csv", HIST_CSV),
            "/eurofxref.csv": DAILY_CSV.encode(),
            "/broken.csv": b"Date,USD,\n2025-03-04,one,\n",
        }
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                if self.path == "/moved":
                    self.send_response(302)
                    self.send_header("Location", "/hist.zip")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path == "/unsized":  # HTTP/1.0 without a length: ends at the close
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(DAILY_CSV.encode() * 10)
                    return
                if self.path == "/slow":
                    time.sleep(3)
                body = server.files.get(self.path)
                if body is None and self.path != "/slow":
                    self.send_error(404)
                    return
                body = body or DAILY_CSV.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def server() -> Iterator[Server]:
    served = Server()
    thread = threading.Thread(target=served.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.httpd.shutdown()
        served.httpd.server_close()
        thread.join(timeout=5)


def test_nothing_is_fetched_while_rates_url_is_empty(settings, server):
    settings.RATES_URL = ""
    assert rates_fetch() == "RATES_URL is empty: nothing fetched."
    assert server.requests == []
    assert not ReferenceRate.objects.exists()


def test_the_fetch_imports_the_zip_and_again_changes_nothing(settings, server):
    settings.RATES_URL = f"{server.url}/hist.zip"
    assert rates_fetch().startswith("Reference rates: 10 added, 0 updated, 0 unchanged")
    assert ReferenceRate.objects.get(currency="GBP", date=date(2025, 3, 4)).rate == Decimal(
        "0.83151"
    )
    assert rates_fetch().startswith("Reference rates: 0 added, 0 updated, 10 unchanged")
    assert server.requests == ["/hist.zip", "/hist.zip"]


def test_the_daily_file_and_a_redirect(settings, server):
    settings.RATES_URL = f"{server.url}/eurofxref.csv"
    assert rates_fetch().startswith("Reference rates: 3 added")
    settings.RATES_URL = f"{server.url}/moved"
    assert rates_fetch().startswith("Reference rates: 10 added")
    assert server.requests == ["/eurofxref.csv", "/moved", "/hist.zip"]


@pytest.mark.parametrize(
    ("path", "limits", "reason"),
    [
        ("/missing.csv", {}, "answered HTTP 404"),
        ("/broken.csv", {}, "Line 2, USD"),
        ("/hist.zip", {"RATES_FETCH_MAX_BYTES": 100}, "over the limit of 100"),
        ("/slow", {"RATES_FETCH_TIMEOUT_SECONDS": 1}, "no answer (MaxRetryError"),
    ],
)
def test_a_failed_fetch_is_logged_and_writes_nothing(
    settings, server, caplog, path, limits, reason
):
    settings.RATES_URL = f"{server.url}{path}"
    for name, value in limits.items():
        setattr(settings, name, value)
    with (
        caplog.at_level(logging.ERROR, logger="budget.rates.tasks"),
        pytest.raises(RatesFetchError, match=r"^http://127\.0\.0\.1") as error,
    ):
        rates_fetch()
    assert reason in str(error.value)
    assert [r.getMessage() for r in caplog.records] == [
        f"Fetching reference rates from {settings.RATES_URL} failed: {error.value.__cause__}"
    ]
    assert not ReferenceRate.objects.exists()


def test_a_download_over_the_limit_without_a_length_is_cut_off(settings, server):
    settings.RATES_URL = f"{server.url}/unsized"  # read until the server closes
    settings.RATES_FETCH_MAX_BYTES = 100
    with pytest.raises(RatesFetchError, match="more than 100 bytes"):
        rates_fetch()
    assert not ReferenceRate.objects.exists()


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_a_real_cluster_runs_the_daily_fetch(server, tmp_path, settings):
    skip_without_redis()
    Schedule.objects.all().delete()
    schedules_apply(jobs=[job for job in SCHEDULES if job.name == "reference rates"])
    Schedule.objects.update(next_run=timezone.now() - timedelta(minutes=1))
    Task.objects.all().delete()

    def stored() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM rates_referencerate")
            return cursor.fetchone()[0]

    log = tmp_path / "qcluster.log"
    with shared_database(tmp_path, settings) as env:
        env = {**env, "RATES_URL": f"{server.url}/hist.zip"}
        settings_module = "budget.rates.tests.cluster_settings"
        with cluster(env, log, settings_module=settings_module) as process:
            wait_for(lambda: stored() == 10, "ten imported rates", log, process, timeout=60)
            done = wait_for(
                lambda: list(Task.objects.filter(func="budget.rates.tasks.rates_fetch")),
                "the finished task",
                log,
                process,
                timeout=30,
            )
    assert [(t.success, t.result[:31]) for t in done] == [(True, "Reference rates: 10 added, 0 up")]
    assert server.requests == ["/hist.zip"]
