"""schemathesis hooks for infra/api-check.

Signing the gateway webhook's requests as PagoEfectivo does:

`PE-Signature` is the lowercase hex HMAC-SHA256 of the exact body bytes, keyed with the merchant's
PagoEfectivo secret key, so no fixed header can carry it: an auth provider computes it for each
generated request to the webhook (whose tenant id infra/schemathesis.toml pins to the check's own
merchant), and `before_call` sends exactly the bytes that were signed. Being configured auth,
schemathesis' `ignored_auth` check also replays such a request without the signature and with an
invalid one, and expects 401.

Also: distinct Idempotency-Keys for distinct payment-code and refund requests (`before_call`), and
the webhook's leniencies a schema cannot state (`filter_failure`).

Environment: API_CHECK_GATEWAY_SECRET (the merchant's PagoEfectivo secret key).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import sys

import schemathesis
from schemathesis.core import NotSet

WEBHOOK_PATH = "/v1/webhooks/pagoefectivo/{tenant_id}"
CODES_PATH = "/v1/payment-codes"
REFUNDS_PATH = "/v1/payment-codes/{order_id}/refunds"
TENANT_PATH = "/v1/tenant"
# Where a generated settings patch may point the check merchant's events: this machine, a port
# nothing listens on (notify-merchant must never post to a host a generator made up).
LOOPBACK_RECEIVER = "https://127.0.0.1:9/api-check"
IDEMPOTENCY_KEY = "Idempotency-Key"
# openapi.yaml's pattern for the header: visible ASCII and spaces, no `#`, not blank.
VALID_KEY = re.compile(r'[ !"$-~]*[!"$-~][ !"$-~]*')
SIGNATURE = "PE-Signature"
SECRET = os.environ["API_CHECK_GATEWAY_SECRET"].encode()


def body_bytes(body: object) -> bytes | None:
    """The bytes schemathesis sends for a JSON body (`requests`' `json=`), or `None` for no body."""
    if isinstance(body, NotSet):
        return None
    if isinstance(body, bytes):
        return body
    try:
        return json.dumps(body, allow_nan=False).encode()
    except (TypeError, ValueError):
        return None


@schemathesis.auth(refresh_interval=None, retry_on=[]).apply_to(path=WEBHOOK_PATH, method="POST")
class PagoEfectivoSignature:
    def get(self, case, ctx):
        return SECRET

    def set(self, case, secret, ctx):
        body = body_bytes(case.body)
        if body is None:
            return
        headers = case.headers if isinstance(case.headers, dict) else {}
        headers[SIGNATURE] = hmac.new(secret, body, hashlib.sha256).hexdigest()
        case.headers = headers


@schemathesis.hook
def before_call(context, case, kwargs):
    if not isinstance(case.headers, dict):
        return
    if case.operation.path == WEBHOOK_PATH:
        # Send the webhook exactly the bytes a signature of ours was made over.
        body = body_bytes(case.body)
        if body is None:
            return
        if case.headers.get(SIGNATURE) == hmac.new(SECRET, body, hashlib.sha256).hexdigest():
            kwargs["data"] = body
    elif case.operation.path == TENANT_PATH and case.method.upper() == "PATCH":
        # The body goes as `json=` (application/json) or as bytes (application/merge-patch+json).
        for arg in ("json", "data"):
            body = kwargs.get(arg)
            if isinstance(body, (bytes, str)):
                try:
                    body = json.loads(body)
                except ValueError:
                    continue
            if isinstance(body, dict) and isinstance(body.get("notification_url"), str):
                patched = {**body, "notification_url": LOOPBACK_RECEIVER}
                kwargs[arg] = patched if arg == "json" else json.dumps(patched).encode()
    elif case.operation.path in (CODES_PATH, REFUNDS_PATH) and case.method.upper() == "POST":
        # Generated requests share one Idempotency-Key across different bodies, so most would only
        # meet the (correct) 422 for a reused key and never reach code issuance (or the refund). A
        # valid key gets a suffix from the body: the same body keeps the same key (and is
        # replayed), another body gets its own.
        key = case.headers.get(IDEMPOTENCY_KEY)
        if isinstance(key, str) and VALID_KEY.fullmatch(key) and len(key) <= 255:
            body = body_bytes(case.body) or b""
            suffix = "." + hashlib.sha256(body).hexdigest()[:8]
            case.headers[IDEMPOTENCY_KEY] = key.rstrip()[: 255 - len(suffix)] + suffix


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but what a JSON Schema cannot state about the webhook.

    - A notification other than `cip.paid` is archived as received (`"status": "archived"`), so
      schema-violating values in it (its amount, its other fields) are not refused.
    - A numeric `operationNumber` must be written as plain digits: JSON Schema counts `1253.0` as
      an integer, the webhook refuses it (400) as the description says.
    """
    if case.operation.path != WEBHOOK_PATH:
        return True
    body = case.body if isinstance(case.body, dict) else {}
    number = body.get("operationNumber")
    if failure.code == "ST202" and isinstance(number, float) and response.status_code == 400:
        return _dropped(failure, f"operationNumber {number!r} is not written as plain digits")
    try:
        answer = response.json()
    except ValueError:
        return True
    if not isinstance(answer, dict):
        return True
    if failure.code != "ST201":
        return True
    if answer.get("status") == "archived":
        return _dropped(failure, "a notification other than cip.paid is archived as received")
    return True


def _dropped(failure, why):
    print(f"api-check: not reported: {failure.code} on {failure.operation}: {why}", file=sys.stderr)
    return False
