"""The dashboard's copies of backend rules stay the backend's: a transaction kind's fields,
the category type it needs, the CSV columns, and the codes the labels name.

The backend's own constants are read by a short Django process in `backend/` (no database is
touched), so the frontend's test process stays free of Django.
"""

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

from dashboard import bulk_edit, config, forms, groups, importing, labels, localisation, security

BACKEND = Path(__file__).resolve().parents[2] / "backend"
READ_CONSTANTS = """
import json, typing, django
django.setup()
from budget.exchange.csv_rows import FIELDS as IMPORT_FIELDS
from budget.exchange.formats.csv import DELIMITER_CANDIDATES
from budget.exchange.schemas import ImportFormat
from budget.exchange.values import NAMED_FORMATS
from budget.exchange.selectors import CSV_HEADER
from budget.ledgers.models import Role
from budget.money import rules
from budget.money.schemas import BULK_MAX
from budget.money.models import CategoryType, Kind, WalletKind
from budget.planning.models import Frequency
from budget.webhooks.models import ALL_EVENTS, EVENTS, DeliveryStatus
from budget.accounts import mailed_tokens, two_factor
from budget.groups.models import SplitMode
from budget.accounts.models import LOCALES
from django.conf import settings
print(json.dumps({
    "webhook_events": [ALL_EVENTS, *EVENTS],
    "delivery_statuses": list(DeliveryStatus.values),
    "otp_codes": [two_factor.OTP_REQUIRED, two_factor.OTP_INVALID],
    "link_codes": list(mailed_tokens.LINK_CODES),
    "link_params": [mailed_tokens.RESET_PARAM, mailed_tokens.VERIFY_PARAM],
    "kinds": list(Kind.values),
    # Less the payee (SPEC §12), which the dashboard's forms send by name (`payee_name`,
    # the payee box), never as an id.
    "allowed": {str(k): sorted(v - {"payee"}) for k, v in rules.ALLOWED.items()},
    "required": {str(k): sorted(v) for k, v in rules.REQUIRED.items()},
    "category_type": {str(k): str(v) for k, v in rules.CATEGORY_TYPE.items()},
    "reference_fields": [n for n in rules.REFERENCE_FIELDS if n != "payee"],
    "csv_header": list(CSV_HEADER),
    "wallet_kinds": list(WalletKind.values),
    "category_types": list(CategoryType.values),
    "roles": list(Role.values),
    "frequencies": list(Frequency.values),
    "date_formats": NAMED_FORMATS,
    "import_fields": list(IMPORT_FIELDS),
    "import_formats": list(typing.get_args(ImportFormat)),
    "delimiters": list(DELIMITER_CANDIDATES),
    "bulk_max": BULK_MAX,
    "split_modes": list(SplitMode.values),
    "locales": list(LOCALES),
    "upload_mb": [settings.IMPORT_MAX_BYTES // 2**20, settings.EXCHANGE_IMPORT_MAX_BYTES // 2**20],
}))
"""


@cache
def backend() -> dict[str, Any]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    answer = subprocess.run(
        [sys.executable, "-c", READ_CONSTANTS],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def test_the_upload_limits_are_the_api_s_defaults() -> None:
    assert backend()["upload_mb"] == [config.IMPORT_MAX_MB, config.RESTORE_MAX_MB]


def test_the_locales_are_the_backend_s() -> None:
    assert list(localisation.LOCALES) == backend()["locales"]


def test_the_kinds_are_the_backend_s() -> None:
    assert set(forms.KINDS) == set(backend()["kinds"])
    assert set(labels.TRANSACTION_KINDS) == set(labels.TRANSACTION_KIND_HELP) == set(forms.KINDS)


def test_each_kind_s_fields_are_the_backend_s() -> None:
    assert {k: sorted(v) for k, v in forms.KIND_REFERENCES.items()} == backend()["allowed"]
    assert {k: sorted(v) for k, v in forms.REQUIRED_REFERENCES.items()} == backend()["required"]
    assert backend()["category_type"] == forms.CATEGORY_TYPE
    assert set(forms.REFERENCE_FIELDS) == set(backend()["reference_fields"])


def test_the_csv_columns_are_the_first_of_the_backend_s_export() -> None:
    header = backend()["csv_header"]
    assert list(forms.CSV_COLUMNS) == header[: len(forms.CSV_COLUMNS)]


def test_every_code_the_backend_knows_has_a_label() -> None:
    assert set(labels.WALLET_KINDS) == set(backend()["wallet_kinds"])
    assert set(labels.WALLET_KIND_CHOICES) == set(backend()["wallet_kinds"])
    assert set(labels.CATEGORY_TYPES) == set(backend()["category_types"])
    assert set(labels.ROLES) == set(backend()["roles"])
    assert list(labels.WEBHOOK_EVENTS) == backend()["webhook_events"]
    assert set(labels.DELIVERY_STATUSES) == set(backend()["delivery_statuses"])
    assert set(labels.FREQUENCIES) == set(labels.FREQUENCY_UNITS) == set(backend()["frequencies"])


def test_the_import_form_offers_the_backend_s_options() -> None:
    assert backend()["date_formats"] == importing.NAMED_DATE_FORMATS
    assert list(importing.FORMATS) == backend()["import_formats"]
    assert set(importing.MAPPED_FIELDS) <= set(backend()["import_fields"])
    assert {"debit", "credit", "payee", "external_id"} <= set(importing.MAPPED_FIELDS)
    detected = {{"\t": "tab"}.get(d, d) for d in backend()["delimiters"]}
    assert detected == set(importing.DELIMITERS) - {importing.AUTO}


def test_the_sign_in_page_knows_the_backend_s_account_codes_and_links() -> None:
    assert backend()["otp_codes"] == [security.OTP_REQUIRED, security.OTP_INVALID]
    assert list(security.LINK_CODES) == backend()["link_codes"]
    assert backend()["link_params"] == [security.RESET_PARAM, security.VERIFY_PARAM]


def test_a_bulk_edit_takes_as_many_ids_as_the_backend() -> None:
    assert backend()["bulk_max"] == bulk_edit.MAX_IDS


def test_the_split_modes_are_the_backend_s() -> None:
    assert list(groups.SPLIT_MODES) == backend()["split_modes"]
    assert set(groups.SPLIT_LABELS) == set(groups.SPLIT_MODES)
