"""moto_server as infra/local-aws runs it: moto's own server, with one emulator defect fixed.

moto 5.2.5's DynamoDB TransactWriteItems backs up by deep-copying the *whole table* once per item
of the transaction (so a transaction costs time in proportion to everything stored, seconds once
the test suite has filled the table), and the copy iterates dicts that concurrent requests are
changing, so under parallel tests it fails with HTTP 500 ("dictionary changed size during
iteration"). Real DynamoDB does neither. Here a transaction instead runs under one lock shared
with the single-item writes, checks every condition first (read only) and is cancelled with
moto's own TransactionCanceledException and reasons when one fails, and only then applies the
writes through moto's code, with the whole-table copy skipped. What a transaction does, and
refuses, is unchanged.

Usage: python infra/moto_server.py -H 127.0.0.1 -p 5055 (the arguments of moto_server).
"""

import sys
import threading

import moto.dynamodb.models as models
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import ConditionalCheckFailed, TransactionCanceledException
from moto.server import main

_LOCK = threading.RLock()
_original_transact = models.DynamoDBBackend.transact_write_items


class _NoCopy:
    """Stands in for the `copy` module inside moto's transact_write_items: its backup is skipped
    (every condition was checked beforehand, so nothing is rolled back on a refused condition)."""

    @staticmethod
    def deepcopy(value, memo=None):  # noqa: ARG004 - the signature of copy.deepcopy
        return value


def _key_of(backend, op_type, op):
    if op_type == "Put":
        table = backend.get_table(op["TableName"])
        attrs = op["Item"]
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
        return key
    return op["Key"]


def _refusals(backend, transact_items):
    """moto's reasons list when a condition fails (None when every one holds)."""
    reasons = []
    refused = False
    for item in transact_items:
        if len(item) != 1:
            return None  # moto's own code reports this
        op_type, op = next(iter(item.items()))
        condition = op.get("ConditionExpression")
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"} or condition is None:
            reasons.append((None, None, None))
            continue
        try:
            current = backend.get_item(op["TableName"], _key_of(backend, op_type, op))
        except Exception:  # noqa: BLE001 - moto's own code reports a bad request
            return None
        check = get_filter_expression(
            condition,
            op.get("ExpressionAttributeNames"),
            op.get("ExpressionAttributeValues"),
        )
        if check.expr(current):
            reasons.append((None, None, None))
            continue
        refused = True
        old = None
        if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
            old = current.to_json()["Attributes"]
        reasons.append(("ConditionalCheckFailed", str(ConditionalCheckFailed().message), old))
    return reasons if refused else None


def _transact_write_items(self, transact_items):
    with _LOCK:
        reasons = _refusals(self, transact_items)
        if reasons is not None:
            raise TransactionCanceledException(reasons)
        real_copy = models.copy
        models.copy = _NoCopy
        try:
            return _original_transact(self, transact_items)
        finally:
            models.copy = real_copy


def _locked(method):
    def run(self, *args, **kwargs):
        with _LOCK:
            return method(self, *args, **kwargs)

    run.__name__ = method.__name__
    return run


models.DynamoDBBackend.transact_write_items = _transact_write_items
for _name in ("put_item", "update_item", "delete_item"):
    setattr(models.DynamoDBBackend, _name, _locked(getattr(models.DynamoDBBackend, _name)))

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
