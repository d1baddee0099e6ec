"""`Idempotency-Key` on every POST under /ledgers/{lid}/ and /groups/{gid}/ (SPEC §19), and on
the bulk PATCH of transactions.

A client that did not get an answer (a timeout, a dropped connection) may send the same POST
again with the same key: within 24 hours it gets the first answer again (same status, same
body, plus `Idempotent-Replayed: true`) and nothing is written twice. The same key with
another body → 409 `idempotency_key_reused`; while the first request with the key still runs
→ 409 `idempotency_key_in_progress` (with `Retry-After`).

One middleware does it for every router under those prefixes, so a new router needs no edit.
Decisions:

- A key is scoped to the authenticated user (not the token: access tokens rotate, and a
  user's API keys and JWTs share their keys), the method and the path.
- The body is compared by its SHA-256. A multipart form is hashed part by part (fields, and
  each file's name, type and content), because its boundary is random per encoding: a client
  that encodes the same upload again for its retry sends other bytes but the same form.
- Records live in the database, not in Redis (which may be down): a unique constraint makes
  the first request's claim atomic, so a concurrent second one cannot run too.
- 2xx and 4xx answers are kept and replayed. 5xx (a crash, a database that was busy or
  down), 401 (the token was refused) and 429 (throttled) are not: the request did not run
  through, so sending it again runs it again. Streamed answers are not kept either.
- A request that is not authenticated passes through untouched: the API answers 401.
"""

import hashlib
import json
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone

from budget.accounts.auth import BearerAuth
from budget.accounts.models import User
from budget.common.errors import error_body
from budget.idempotency.models import IdempotencyRecord

logger = logging.getLogger("budget.api")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_LIFETIME = timedelta(hours=24)
KEY_MAX_LENGTH = 255
# Printable ASCII, space included (but an HTTP header loses leading and trailing spaces).
_KEY_CHARACTER = r"[\x20-\x7e]"
_KEY = re.compile(rf"{_KEY_CHARACTER}{{1,{KEY_MAX_LENGTH}}}")
# A ledger's or group's sub-resources (a path template like /ledgers/{lid}/wallets matches
# too); not /ledgers itself nor /ledgers/import-json.
_SCOPED_PATH = re.compile(r"/api/v1/(?:ledgers|groups)/[^/]+/.")


# The header as an OpenAPI parameter, for the schema of every operation `covers` accepts.
OPENAPI_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Any unique value per action, e.g. a UUID. Sent again with the same body within 24 "
        "hours, the first answer comes back (with `Idempotent-Replayed: true`) and nothing is "
        "written; with another body → 409 `idempotency_key_reused`."
    ),
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": KEY_MAX_LENGTH,
        "pattern": rf"^{_KEY_CHARACTER}+$",
    },
}


def covers(method: str, path: str) -> bool:
    """Whether a request (or an operation's path template) takes an Idempotency-Key: every
    POST in a ledger or group, and the bulk PATCHes (an edit of many rows a client may well
    send again after a timeout)."""
    method = method.upper()
    if _SCOPED_PATH.match(path) is None:
        return False
    return method == "POST" or (method == "PATCH" and path.rstrip("/").endswith("/bulk"))


def key_is_valid(key: str) -> bool:
    return _KEY.fullmatch(key) is not None


def answer_is_kept(response: HttpResponse) -> bool:
    """Whether an answer is the outcome of the request, to be replayed for its key."""
    status = response.status_code
    if response.streaming or status in (401, 429):
        return False
    return 200 <= status < 300 or 400 <= status < 500


def body_hash(request: HttpRequest) -> str:
    """SHA-256 of the body; of the parsed parts for a multipart form (see the module doc)."""
    if request.content_type != "multipart/form-data":
        digest = hashlib.sha256(request.content_type.encode() + b"\n")
        digest.update(request.body)
        return digest.hexdigest()
    parts: list[Any] = [["field", name, values] for name, values in sorted(request.POST.lists())]
    for name, uploads in sorted(request.FILES.lists()):
        for upload in uploads:
            content = hashlib.sha256()
            for chunk in upload.chunks():
                content.update(chunk)
            upload.seek(0)  # the endpoint reads it from the start
            parts.append(["file", name, upload.name, upload.content_type, content.hexdigest()])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def record_claim(
    *, user: User, key: str, method: str, path: str, body_hash: str
) -> tuple[IdempotencyRecord, bool]:
    """The record of `key` in its scope, and whether this request has just claimed it (a new
    record, in progress). The user's expired records are deleted first, so an expired key is
    simply claimed again."""
    IdempotencyRecord.objects.filter(
        user=user, created_at__lte=timezone.now() - KEY_LIFETIME
    ).delete()
    scope = {"user": user, "key": key, "method": method, "path": path}
    for _ in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(**scope, body_hash=body_hash), True
        except IntegrityError:
            pass  # claimed by an earlier request (or one running right now)
        record = IdempotencyRecord.objects.filter(**scope).first()
        if record is not None:
            return record, False
        # The claim we collided with was released (its request failed) in between: try again.
    raise IntegrityError(f"Idempotency-Key {key!r} could not be claimed.")


def record_finish(*, record: IdempotencyRecord, response: HttpResponse) -> None:
    """Keeps the answer for replay, or releases the key when the answer is not kept."""
    rows = IdempotencyRecord.objects.filter(pk=record.pk)
    if answer_is_kept(response):
        rows.update(
            status=response.status_code,
            content_type=response.get("Content-Type", ""),
            content=response.content,
        )
    else:
        rows.delete()


def replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.content), status=record.status, content_type=record.content_type or None
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _error(status: int, detail: str, code: str, **extra: Any) -> JsonResponse:
    return JsonResponse(error_body(status, detail, code, **extra), status=status)


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        record = getattr(request, "idempotency_record", None)
        if record is not None:
            try:
                record_finish(record=record, response=response)
            except DatabaseError:
                # The write itself is committed: its answer must reach the client. The key
                # stays "in progress" until it expires.
                logger.exception("Could not keep the answer of Idempotency-Key %r", record.key)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        # process_view runs only for a path Django resolved, so unknown URLs stay 404s.
        if HEADER not in request.headers or not covers(request.method or "", request.path_info):
            return None
        user = BearerAuth()(request)  # the API's own authentication, before the endpoint's
        if user is None:
            return None
        key = request.headers[HEADER]
        if not key_is_valid(key):
            message = f"Use 1 to {KEY_MAX_LENGTH} printable ASCII characters, e.g. a UUID."
            return _error(
                422,
                f"The {HEADER} header is invalid.",
                "validation_error",
                errors=[{"field": HEADER, "message": message}],
            )
        try:
            fingerprint = body_hash(request)
        except RequestDataTooBig:
            return _error(413, "The request body is too large.", "payload_too_large")
        except (MultiPartParserError, SuspiciousOperation):
            return _error(400, "The multipart form could not be read.", "bad_request")

        record, claimed = record_claim(
            user=user,
            key=key,
            method=request.method or "POST",
            path=request.path_info,
            body_hash=fingerprint,
        )
        if claimed:
            request.idempotency_record = record
            return None
        if record.body_hash != fingerprint:
            return _error(
                409,
                f"This {HEADER} was already used with another body: send a new key.",
                "idempotency_key_reused",
            )
        if record.status is None:
            response = _error(
                409,
                f"A request with this {HEADER} is still running: try again in a moment.",
                "idempotency_key_in_progress",
            )
            response["Retry-After"] = "1"
            return response
        return replay(record)
