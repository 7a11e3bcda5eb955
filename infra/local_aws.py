#!/usr/bin/env python3
"""Local AWS for cuadre: moto_server on loopback + the template's tables, buckets and queues.

Called by infra/local-aws (which owns the venv). Commands:
  up      start moto_server on 127.0.0.1:$CUADRE_AWS_PORT (default 5055) unless one answers there,
          create every AWS::DynamoDB::Table, AWS::S3::Bucket and AWS::SQS::Queue of template.yaml
          (idempotent), write <repo>/.local/aws.env
  down    stop the moto_server that `up` started (pid file)
  status  say whether the emulator answers
  env     print <repo>/.local/aws.env

Local physical names come from the logical ids: kebab-case, a trailing Bucket/Queue dropped,
prefixed `cuadre-` unless the id starts with Cuadre (CuadreTable -> cuadre-table,
VouchersBucket -> cuadre-vouchers, VoucherUploadsDLQ -> cuadre-voucher-uploads-dlq).

Only the standard library is imported at module level so that status/down/env run with any python3;
`up` needs boto3 and PyYAML (infra/requirements-local.txt).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "template.yaml"
LOCAL_DIR = REPO / ".local"
LOCK_FILE = LOCAL_DIR / "local-aws.lock"
ENV_FILE = LOCAL_DIR / "aws.env"

HOST = "127.0.0.1"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
STACK_NAME = "cuadre"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0

PSEUDO_PARAMETERS = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::StackName": STACK_NAME,
    # Shaped like a real one (the template takes the last group of its UUID for bucket names).
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{STACK_NAME}/00000000-0000-0000-0000-00000000c0de",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NotificationARNs": [],
}


class LocalAwsError(Exception):
    """A failure with a message meant for the person running the command."""


def port() -> int:
    raw = os.environ.get("CUADRE_AWS_PORT", "") or str(DEFAULT_PORT)
    try:
        value = int(raw)
    except ValueError:
        raise LocalAwsError(f"CUADRE_AWS_PORT must be a port number, got {raw!r}") from None
    if not 0 < value < 65536:
        raise LocalAwsError(f"CUADRE_AWS_PORT out of range: {value}")
    return value


def endpoint() -> str:
    return f"http://{HOST}:{port()}"


DEFAULT_PORT = 5055


def _per_port(stem: str, suffix: str) -> Path:
    # .local/moto.pid for the default port, .local/moto-<port>.pid for another (one server each)
    return LOCAL_DIR / (f"{stem}{suffix}" if port() == DEFAULT_PORT else f"{stem}-{port()}{suffix}")


def pid_file() -> Path:
    return _per_port("moto", ".pid")


def log_file() -> Path:
    return _per_port("moto", ".log")


# ----------------------------------------------------------------------------- emulator process


def answers(timeout: float = 1.0) -> bool:
    """True when a moto server answers on the endpoint."""
    try:
        with urllib.request.urlopen(f"{endpoint()}/moto-api/config", timeout=timeout) as resp:
            return 200 <= resp.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def port_taken() -> bool:
    import socket

    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port())) == 0


def read_pid() -> int | None:
    try:
        return int(pid_file().read_text().strip())
    except (OSError, ValueError):
        return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours still "exists": reap it if it is one
    with contextlib.suppress(ChildProcessError, OSError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


def is_moto(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: trust the pid file
    return b"moto" in cmdline


def moto_server_bin() -> str:
    candidate = Path(sys.executable).parent / "moto_server"
    if candidate.exists():
        return str(candidate)
    raise LocalAwsError(
        f"moto_server not found beside {sys.executable}; run `infra/local-aws up` "
        "(it installs infra/requirements-local.txt into .venv)"
    )


def log_tail(lines: int = 20) -> str:
    try:
        return "\n".join(log_file().read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_server() -> str:
    """Start moto_server unless one answers; returns how it is running."""
    if answers():
        pid = read_pid()
        if pid and alive(pid):
            return f"moto_server already running (pid {pid})"
        return "moto_server already answering (not started by local-aws)"
    if port_taken():
        raise LocalAwsError(
            f"{HOST}:{port()} is taken by something that is not moto_server; "
            "free it or set CUADRE_AWS_PORT"
        )
    stale = read_pid()
    if stale and alive(stale) and is_moto(stale):
        # started earlier but not answering: give it a moment, else replace it
        if wait_until_answers(stale, 5.0):
            return f"moto_server already running (pid {stale})"
        stop_pid(stale)
    pid_file().unlink(missing_ok=True)

    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    log = open(log_file(), "wb")  # one log per server start
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", REGION)
    env.setdefault("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    env.setdefault("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    moto_server_bin()  # moto is installed in this venv
    proc = subprocess.Popen(
        # moto_server with its DynamoDB transactions fixed (see infra/moto_server.py).
        [sys.executable, str(REPO / "infra" / "moto_server.py"), "-H", HOST, "-p", str(port())],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,  # survives this script; `down` stops it
        close_fds=True,
    )
    log.close()
    pid_file().write_text(f"{proc.pid}\n")
    if not wait_until_answers(proc.pid, START_TIMEOUT_S, proc):
        stop_pid(proc.pid)
        pid_file().unlink(missing_ok=True)
        raise LocalAwsError(
            f"moto_server did not answer on {endpoint()} within {START_TIMEOUT_S:.0f} s; "
            f"last lines of {log_file()}:\n{log_tail()}"
        )
    return f"moto_server started (pid {proc.pid}, log {log_file().relative_to(REPO)})"


def wait_until_answers(pid: int, seconds: float, proc: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answers(timeout=0.5):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        if proc is None and not alive(pid):
            return False
        time.sleep(0.1)
    return answers(timeout=0.5)


def stop_pid(pid: int) -> bool:
    """SIGTERM the server's process group, then SIGKILL after STOP_TIMEOUT_S; True if it ended."""

    def signal_it(sig: int) -> None:
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            pass

    signal_it(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    signal_it(signal.SIGKILL)
    time.sleep(0.2)
    return not alive(pid)


# ----------------------------------------------------------------------------- template reading


class _Tagged:
    pass


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """Read a CloudFormation/SAM YAML template, turning short tags (!Ref, !Sub, ...) into their
    long forms ({"Ref": ...}, {"Fn::Sub": ...})."""
    import yaml

    class CfnLoader(yaml.SafeLoader):
        pass

    def construct(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_mapping(node, deep=True)

    def multi(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        tag = suffix
        value = construct(node, loader)
        if tag in ("Ref", "Condition"):
            return {tag: value}
        if tag == "GetAtt" and isinstance(value, str):
            resource, _, attribute = value.partition(".")
            value = [resource, attribute]
        return {f"Fn::{tag}": value}

    CfnLoader.add_multi_constructor("!", multi)
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(data, dict) or "Resources" not in data:
        raise LocalAwsError(f"{path} is not a CloudFormation template (no Resources)")
    return data


def kebab(name: str) -> str:
    words = re.findall(r"[A-Z]+[0-9]*(?=[A-Z][a-z]|\b)|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+", name)
    return "-".join(word.lower() for word in words)


def local_name(logical_id: str) -> str:
    base = logical_id
    for suffix in ("Bucket", "Queue"):
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    name = kebab(base)
    if not logical_id.startswith("Cuadre"):
        name = f"cuadre-{name}"
    return name


_NO_VALUE = object()


class Template:
    """The template with parameter defaults, conditions and local physical ids resolved."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.resources: dict[str, dict[str, Any]] = data.get("Resources") or {}
        self.parameters = {
            name: (spec or {}).get("Default", "")
            for name, spec in (data.get("Parameters") or {}).items()
        }
        self._conditions_raw = data.get("Conditions") or {}
        self._conditions: dict[str, bool] = {}
        # logical id -> {"Ref": ..., "Arn": ..., other attributes}
        self.physical: dict[str, dict[str, Any]] = {}

    # -- conditions
    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self._conditions_raw:
                raise LocalAwsError(f"unknown condition {name}")
            self._conditions[name] = bool(self.resolve(self._conditions_raw[name]))
        return self._conditions[name]

    def enabled(self, logical_id: str) -> bool:
        cond = self.resources[logical_id].get("Condition")
        return True if cond is None else self.condition(cond)

    def of_type(self, resource_type: str) -> list[str]:
        return [
            lid
            for lid, res in self.resources.items()
            if res.get("Type") == resource_type and self.enabled(lid)
        ]

    # -- references
    def ref(self, name: str) -> Any:
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        if name in self.physical:
            return self.physical[name]["Ref"]
        if name in self.resources:
            rtype = self.resources[name].get("Type")
            raise LocalAwsError(f"!Ref {name} ({rtype}) has no local counterpart")
        raise LocalAwsError(f"!Ref {name}: no such parameter or resource")

    def get_att(self, name: str, attribute: str) -> Any:
        attrs = self.physical.get(name)
        if attrs is None or attribute not in attrs:
            raise LocalAwsError(f"!GetAtt {name}.{attribute} has no local counterpart")
        return attrs[attribute]

    def sub(self, template: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("!"):
                return "${" + expr[1:] + "}"
            if expr in variables:
                return str(self.resolve(variables[expr]))
            if "." in expr and expr.split(".", 1)[0] in self.resources:
                res, att = expr.split(".", 1)
                return str(self.get_att(res, att))
            return str(self.ref(expr))

        return re.sub(r"\$\{([^}]+)\}", replace, template)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            out = [self.resolve(v) for v in value]
            return [v for v in out if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::GetAtt":
                parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self.get_att(parts[0], self.resolve(parts[1]))
            if key == "Fn::Sub":
                if isinstance(arg, list):
                    return self.sub(arg[0], arg[1] if len(arg) > 1 else {})
                return self.sub(arg, {})
            if key == "Fn::Join":
                sep, items = arg
                return str(sep).join(str(v) for v in self.resolve(items))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(sep)
            if key == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
            if key == "Fn::Equals":
                a, b = (self.resolve(v) for v in arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(v) for v in arg)
            if key == "Fn::Or":
                return any(self.resolve(v) for v in arg)
            if key == "Fn::FindInMap":
                mapping, top, second = (self.resolve(v) for v in arg[:3])
                return self.data["Mappings"][mapping][top][second]
            if key == "Fn::Base64":
                import base64

                return base64.b64encode(str(self.resolve(arg)).encode()).decode()
            if key == "Fn::GetAZs":
                return [f"{REGION}{zone}" for zone in "abcdef"]
            if key == "Fn::ToJsonString":
                return json.dumps(self.resolve(arg))
            if key.startswith("Fn::"):
                raise LocalAwsError(f"{key} is not supported by the local resolver")
        out = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not _NO_VALUE}

    def props(self, logical_id: str) -> dict[str, Any]:
        return self.resolve(self.resources[logical_id].get("Properties") or {})


# ----------------------------------------------------------------------------- resources


def clients() -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )
    config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30)
    return {
        name: session.client(name, endpoint_url=endpoint(), config=config)
        for name in ("dynamodb", "s3", "sqs")
    }


def error_code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


def queue_attributes(props: dict[str, Any]) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for key in (
        "VisibilityTimeout",
        "MessageRetentionPeriod",
        "DelaySeconds",
        "MaximumMessageSize",
        "ReceiveMessageWaitTimeSeconds",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled",
        "FifoQueue",
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "FifoThroughputLimit",
    ):
        if key in props:
            value = props[key]
            attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if key in props:
            value = props[key]
            if isinstance(value, dict) and "maxReceiveCount" in value:
                value = {**value, "maxReceiveCount": int(value["maxReceiveCount"])}
            attributes[key] = value if isinstance(value, str) else json.dumps(value)
    return attributes


def ensure_queue(tpl: Template, sqs: Any, lid: str, report: list[str]) -> None:
    props = tpl.props(lid)
    name = local_name(lid)
    if str(props.get("FifoQueue", "")).lower() == "true" and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = queue_attributes(props)
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        drift = {
            k: v
            for k, v in attributes.items()
            if k not in ("FifoQueue",) and not same_attribute(current.get(k), v)
        }
        if drift:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=drift)
            report.append(f"queue    {name} (updated {', '.join(sorted(drift))})")
        else:
            report.append(f"queue    {name} (exists)")
    except Exception as exc:  # noqa: BLE001 - boto error classes are dynamic
        if error_code(exc) not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            raise
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        report.append(f"queue    {name} (created)")
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
    tpl.physical[lid] = {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}


def same_attribute(current: str | None, wanted: str) -> bool:
    if current is None:
        return False
    if wanted.startswith("{"):
        try:
            return json.loads(current) == json.loads(wanted)
        except ValueError:
            return False
    return current.lower() == wanted.lower()


def ensure_queues(tpl: Template, sqs: Any, report: list[str]) -> None:
    pending = tpl.of_type("AWS::SQS::Queue")
    # dead-letter queues first: a queue whose properties resolve is ready to be made
    while pending:
        progressed = False
        for lid in list(pending):
            try:
                tpl.props(lid)
            except LocalAwsError:
                continue
            ensure_queue(tpl, sqs, lid, report)
            pending.remove(lid)
            progressed = True
        if not progressed:
            tpl.props(pending[0])  # raises the real resolution error


def ensure_table(tpl: Template, ddb: Any, lid: str, report: list[str]) -> None:
    props = tpl.props(lid)
    name = local_name(lid)
    billing = props.get("BillingMode", "PROVISIONED")
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": billing,
    }
    if billing == "PROVISIONED":
        request["ProvisionedThroughput"] = props.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    gsis = []
    for gsi in props.get("GlobalSecondaryIndexes", []):
        index = {k: gsi[k] for k in ("IndexName", "KeySchema", "Projection")}
        if billing == "PROVISIONED":
            index["ProvisionedThroughput"] = gsi.get(
                "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
            )
        gsis.append(index)
    if gsis:
        request["GlobalSecondaryIndexes"] = gsis
    lsis = [
        {k: lsi[k] for k in ("IndexName", "KeySchema", "Projection")}
        for lsi in props.get("LocalSecondaryIndexes", [])
    ]
    if lsis:
        request["LocalSecondaryIndexes"] = lsis
    stream = props.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}

    try:
        table = ddb.describe_table(TableName=name)["Table"]
    except Exception as exc:  # noqa: BLE001
        if error_code(exc) != "ResourceNotFoundException":
            raise
        table = None
    if table is not None and not table_matches(table, request):
        # the template changed under a running emulator: local data, rebuild it
        ddb.delete_table(TableName=name)
        ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        table = None
        state = "recreated: key schema or indexes changed"
    else:
        state = "exists"
    if table is None:
        ddb.create_table(**request)
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        state = "created" if state == "exists" else state
    ttl = props.get("TimeToLiveSpecification")
    if ttl and str(ttl.get("Enabled")).lower() == "true":
        current = ddb.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or current.get(
            "AttributeName"
        ) != ttl["AttributeName"]:
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
    report.append(f"table    {name} ({state}; GSIs {', '.join(g['IndexName'] for g in gsis) or 'none'})")
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
    tpl.physical[lid] = {"Ref": name, "Arn": arn}


def table_matches(table: dict[str, Any], request: dict[str, Any]) -> bool:
    def keys(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
        return [(k["AttributeName"], k["KeyType"]) for k in schema]

    def indexes(items: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            i["IndexName"]: (keys(i["KeySchema"]), i["Projection"].get("ProjectionType"),
                             sorted(i["Projection"].get("NonKeyAttributes", [])))
            for i in items
        }

    return (
        keys(table["KeySchema"]) == keys(request["KeySchema"])
        and indexes(table.get("GlobalSecondaryIndexes", [])) == indexes(request.get("GlobalSecondaryIndexes", []))
        and indexes(table.get("LocalSecondaryIndexes", [])) == indexes(request.get("LocalSecondaryIndexes", []))
    )


def lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation LifecycleConfiguration rule -> S3 API rule."""
    out: dict[str, Any] = {"Status": rule.get("Status", "Enabled")}
    if "Id" in rule:
        out["ID"] = rule["Id"]
    conditions: list[dict[str, Any]] = []
    if rule.get("Prefix"):
        conditions.append({"Prefix": rule["Prefix"]})
    for tag in rule.get("TagFilters", []):
        conditions.append({"Tag": {"Key": tag["Key"], "Value": tag["Value"]}})
    for key in ("ObjectSizeGreaterThan", "ObjectSizeLessThan"):
        if key in rule:
            conditions.append({key: int(rule[key])})
    if not conditions:
        out["Filter"] = {"Prefix": ""}
    elif len(conditions) == 1:
        out["Filter"] = conditions[0]
    else:
        merged: dict[str, Any] = {"Tags": []}
        for cond in conditions:
            if "Tag" in cond:
                merged["Tags"].append(cond["Tag"])
            else:
                merged.update(cond)
        out["Filter"] = {"And": merged}
    expiration: dict[str, Any] = {}
    if "ExpirationInDays" in rule:
        expiration["Days"] = int(rule["ExpirationInDays"])
    if "ExpirationDate" in rule:
        expiration["Date"] = rule["ExpirationDate"]
    if "ExpiredObjectDeleteMarker" in rule:
        expiration["ExpiredObjectDeleteMarker"] = bool(rule["ExpiredObjectDeleteMarker"])
    if expiration:
        out["Expiration"] = expiration
    transitions = list(rule.get("Transitions", []))
    if "Transition" in rule:
        transitions.append(rule["Transition"])
    if transitions:
        out["Transitions"] = [
            {"StorageClass": t["StorageClass"], **({"Days": int(t["TransitionInDays"])} if "TransitionInDays" in t else {"Date": t["TransitionDate"]})}
            for t in transitions
        ]
    noncurrent = list(rule.get("NoncurrentVersionTransitions", []))
    if "NoncurrentVersionTransition" in rule:
        noncurrent.append(rule["NoncurrentVersionTransition"])
    if noncurrent:
        out["NoncurrentVersionTransitions"] = [
            {"StorageClass": t["StorageClass"], "NoncurrentDays": int(t["TransitionInDays"])}
            for t in noncurrent
        ]
    nve = rule.get("NoncurrentVersionExpiration")
    if nve:
        out["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(nve["NoncurrentDays"]),
            **({"NewerNoncurrentVersions": int(nve["NewerNoncurrentVersions"])} if "NewerNoncurrentVersions" in nve else {}),
        }
    elif "NoncurrentVersionExpirationInDays" in rule:
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])}
    abort = rule.get("AbortIncompleteMultipartUpload")
    if abort:
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(abort["DaysAfterInitiation"])}
    return out


def queue_notifications(tpl: Template, props: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in (props.get("NotificationConfiguration") or {}).get("QueueConfigurations", []):
        entry: dict[str, Any] = {"QueueArn": item["Queue"], "Events": [item["Event"]]}
        rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules")
        if rules:
            entry["Filter"] = {
                "Key": {"FilterRules": [{"Name": r["Name"].lower(), "Value": r["Value"]} for r in rules]}
            }
        out.append(entry)
    return out


def notifications_match(current: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> bool:
    def norm(items: list[dict[str, Any]]) -> list[Any]:
        result = []
        for item in items:
            rules = (item.get("Filter") or {}).get("Key", {}).get("FilterRules", [])
            result.append(
                (
                    item["QueueArn"],
                    tuple(sorted(item["Events"])),
                    tuple(sorted((r["Name"].lower(), r["Value"]) for r in rules)),
                )
            )
        return sorted(result)

    return norm(current) == norm(wanted)


def drain_test_events(sqs: Any, queue_urls: set[str]) -> None:
    """S3 sends one s3:TestEvent when notifications are configured (moto too). Real AWS does it
    once per deploy; locally it would land in every fresh test run, so take it out again."""
    for url in queue_urls:
        for _ in range(3):
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                break
            for message in messages:
                if '"s3:TestEvent"' in message.get("Body", ""):
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


# Request headers a browser may be told to send with a presigned S3 upload (what the AWS SDKs sign
# into a PutObject link, and the form fields of a presigned POST).
PRESIGNED_UPLOAD_HEADERS = (
    "content-type", "content-md5", "content-disposition", "content-encoding", "cache-control",
    "x-amz-acl", "x-amz-checksum-algorithm", "x-amz-checksum-crc32", "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme", "x-amz-checksum-sha1", "x-amz-checksum-sha256",
    "x-amz-content-sha256", "x-amz-date", "x-amz-expected-bucket-owner",
    "x-amz-object-lock-legal-hold", "x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date",
    "x-amz-sdk-checksum-algorithm", "x-amz-security-token", "x-amz-server-side-encryption",
    "x-amz-storage-class", "x-amz-tagging", "x-amz-user-agent",
)


def moto_allowed_headers(patterns: list[str]) -> list[str]:
    """S3 answers a CORS preflight with the requested headers that its AllowedHeaders patterns match
    (`x-amz-*` included); moto 5.2.5 answers with the patterns themselves, and a browser takes
    `x-amz-*` literally and refuses the upload. So the emulator gets the patterns' matches among
    the headers a presigned upload sends, spelled out: the template stays what decides."""
    out: list[str] = []
    for pattern in patterns:
        p = pattern.strip().lower()
        matches = [p] if "*" not in p or p == "*" else [
            h for h in PRESIGNED_UPLOAD_HEADERS if re.fullmatch(re.escape(p).replace(r"\*", ".*"), h)
        ]
        out.extend(m for m in matches if m not in out)
    return out


def ensure_bucket(tpl: Template, s3: Any, sqs: Any, lid: str, report: list[str]) -> None:
    props = tpl.props(lid)
    name = local_name(lid)
    notes: list[str] = []
    object_lock = str(props.get("ObjectLockEnabled", "")).lower() == "true"
    try:
        s3.head_bucket(Bucket=name)
        state = "exists"
    except Exception as exc:  # noqa: BLE001
        if error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        create: dict[str, Any] = {"Bucket": name}
        if object_lock:
            create["ObjectLockEnabledForBucket"] = True
        s3.create_bucket(**create)
        state = "created"

    # configuration: PUTs below are idempotent and side-effect free, so apply them every time
    versioning = (props.get("VersioningConfiguration") or {}).get("Status")
    if versioning:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
        notes.append(f"versioning {versioning.lower()}")
    lock = props.get("ObjectLockConfiguration")
    if object_lock and lock:
        rule = (lock.get("Rule") or {}).get("DefaultRetention")
        config: dict[str, Any] = {"ObjectLockEnabled": "Enabled"}
        if rule:
            config["Rule"] = {"DefaultRetention": {k: (int(v) if k in ("Days", "Years") else v) for k, v in rule.items()}}
        try:
            s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=config)
            notes.append("object lock" + (f" {rule.get('Mode')} {rule.get('Days', rule.get('Years'))}d" if rule else ""))
        except Exception as exc:  # noqa: BLE001
            notes.append(f"object lock not applied ({error_code(exc) or exc})")
    encryption = props.get("BucketEncryption")
    if encryption:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                        **({"BucketKeyEnabled": bool(rule["BucketKeyEnabled"])} if "BucketKeyEnabled" in rule else {}),
                    }
                    for rule in encryption["ServerSideEncryptionConfiguration"]
                ]
            },
        )
        notes.append("encrypted")
    pab = props.get("PublicAccessBlockConfiguration")
    if pab:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={k: bool(v) for k, v in pab.items()})
    cors = props.get("CorsConfiguration")
    if cors:
        rules = []
        for rule in cors["CorsRules"]:
            entry = {k: rule[k] for k in ("AllowedMethods", "AllowedOrigins") if k in rule}
            if "AllowedHeaders" in rule:
                entry["AllowedHeaders"] = moto_allowed_headers(rule["AllowedHeaders"])
            if "ExposedHeaders" in rule:
                entry["ExposeHeaders"] = rule["ExposedHeaders"]
            if "Id" in rule:
                entry["ID"] = rule["Id"]
            if "MaxAge" in rule:
                entry["MaxAgeSeconds"] = int(rule["MaxAge"])
            rules.append(entry)
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
        notes.append("cors")
    lifecycle = props.get("LifecycleConfiguration")
    if lifecycle:
        try:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name,
                LifecycleConfiguration={"Rules": [lifecycle_rule(r) for r in lifecycle["Rules"]]},
            )
            notes.append("lifecycle")
        except Exception as exc:  # noqa: BLE001
            notes.append(f"lifecycle not applied ({error_code(exc) or exc})")
    wanted = queue_notifications(tpl, props)
    if wanted or props.get("NotificationConfiguration"):
        current = s3.get_bucket_notification_configuration(Bucket=name).get("QueueConfigurations", [])
        if not notifications_match(current, wanted):
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration={"QueueConfigurations": wanted}
            )
            arn_to_url = {a["Arn"]: a["Ref"] for a in tpl.physical.values() if "QueueUrl" in a}
            drain_test_events(sqs, {arn_to_url[w["QueueArn"]] for w in wanted if w["QueueArn"] in arn_to_url})
        for item in wanted:
            rules = item.get("Filter", {}).get("Key", {}).get("FilterRules", [])
            where = ",".join(f"{r['Name']}={r['Value']}" for r in rules)
            notes.append(f"{','.join(item['Events'])}[{where}] -> {item['QueueArn'].rsplit(':', 1)[-1]}")
    report.append(f"bucket   {name} ({state}; {'; '.join(notes)})")
    tpl.physical[lid] = {
        "Ref": name,
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
    }


def ensure_resources(tpl: Template) -> list[str]:
    c = clients()
    report: list[str] = []
    for lid in tpl.of_type("AWS::DynamoDB::Table"):
        ensure_table(tpl, c["dynamodb"], lid, report)
    ensure_queues(tpl, c["sqs"], report)
    for lid in tpl.of_type("AWS::S3::Bucket"):
        ensure_bucket(tpl, c["s3"], c["sqs"], lid, report)
    return report


def function_environment(tpl: Template) -> dict[str, str]:
    variables = (
        ((tpl.data.get("Globals") or {}).get("Function") or {}).get("Environment") or {}
    ).get("Variables") or {}
    out = {}
    for key, value in variables.items():
        resolved = tpl.resolve(value)
        if resolved is _NO_VALUE:
            continue
        out[key] = str(resolved).lower() if isinstance(resolved, bool) else str(resolved)
    return out


def write_env(variables: dict[str, str]) -> None:
    base = {
        "AWS_ENDPOINT_URL": endpoint(),
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    lines = ["# written by infra/local-aws up; source it: . .local/aws.env"]
    lines += [f"export {k}={shlex.quote(v)}" for k, v in {**base, **variables}.items()]
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    tmp = ENV_FILE.with_suffix(".env.tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(ENV_FILE)


# ----------------------------------------------------------------------------- commands


@contextlib.contextmanager
def locked():
    """Serialise concurrent `up`s (parallel test binaries) on one machine."""
    import fcntl

    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOCK_FILE, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cmd_up(quiet: bool) -> int:
    started = time.monotonic()
    with locked():
        server = start_server()
        tpl = Template(load_template())
        report = ensure_resources(tpl)
        variables = function_environment(tpl)
        write_env(variables)
    if not quiet:
        print(f"local-aws: {server} on {endpoint()}")
        for line in report:
            print(f"  {line}")
        print(f"  env      {ENV_FILE.relative_to(REPO)}: {', '.join(variables)}")
        print(f"local-aws: ready in {time.monotonic() - started:.1f} s  (eval \"$(infra/local-aws env)\")")
    return 0


def cmd_down() -> int:
    pid = read_pid()
    if pid is None or not alive(pid) or not is_moto(pid):
        pid_file().unlink(missing_ok=True)
        if answers():
            print(f"local-aws: {endpoint()} answers but was not started by local-aws; left running")
        else:
            print("local-aws: not running")
        return 0
    if not stop_pid(pid):
        print(f"local-aws: moto_server (pid {pid}) did not stop", file=sys.stderr)
        return 1
    pid_file().unlink(missing_ok=True)
    print(f"local-aws: moto_server (pid {pid}) stopped")
    return 0


def cmd_status() -> int:
    pid = read_pid()
    if answers():
        who = f"pid {pid}" if pid and alive(pid) else "not started by local-aws"
        print(f"local-aws: up, {endpoint()} answers ({who})")
        return 0
    print(f"local-aws: down, nothing answers on {endpoint()}")
    return 1


def cmd_env() -> int:
    try:
        sys.stdout.write(ENV_FILE.read_text())
    except OSError:
        print(f"local-aws: {ENV_FILE} missing; run `infra/local-aws up` first", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="local-aws", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the emulator and create the template's resources")
    up.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    sub.add_parser("down", help="stop the emulator started by up")
    sub.add_parser("status", help="does the emulator answer?")
    sub.add_parser("env", help="print .local/aws.env")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            return cmd_up(args.quiet)
        if args.command == "down":
            return cmd_down()
        if args.command == "status":
            return cmd_status()
        return cmd_env()
    except LocalAwsError as exc:
        print(f"local-aws: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # botocore errors: one line, not a traceback
        if type(exc).__module__.startswith("botocore"):
            print(f"local-aws: AWS call to {endpoint()} failed: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
