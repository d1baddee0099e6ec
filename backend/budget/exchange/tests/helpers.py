"""Helpers of the exchange tests: uploads of CSV files to the import job."""

from django.core.files.uploadedfile import SimpleUploadedFile

HEADER = "date,kind,amount,description,category,wallet,bucket,notes,tags"


def imports_path(ledger, job_id=None, action: str = "") -> str:
    path = f"/ledgers/{ledger.pk}/imports"
    if job_id:
        path += f"/{job_id}"
    return path + (f"/{action}" if action else "")


def csv_text(*lines: str, header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def upload(api, ledger, content: str | bytes, name: str = "bank.csv", **fields):
    """POSTs `content` as the multipart `file` of an import, with form `fields`."""
    data = content.encode() if isinstance(content, str) else content
    body = {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **fields}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.token}"} if api.token else {}
    return api.client.post(api.prefix + imports_path(ledger), body, **headers)


def validated(api, ledger, content: str | bytes, **fields) -> dict:
    """Uploads a file that must check out; the job's JSON."""
    response = upload(api, ledger, content, **fields)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "validated", body
    return body


# Two rows of the default header that check out in the household's ledger.
TWO_ROWS = (
    "2025-03-01,income,1000.00,Salary,Salary,Bank,,,",
    "2025-03-02,expense,25.50,Market,Groceries,Bank,Fun,,food",
)
