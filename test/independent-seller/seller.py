#!/usr/bin/env python3
"""Independent KooGallery (云商店) seller server: a test subject for `kgkit conformance`.

Written from Huawei's public seller documentation (see README.md in this folder for the page
behind every rule), not from kgkit's code. Python 3.11, standard library only.

    python3 seller.py --port 0 --key K [--kit-key K2] [--license-code-key K3]
                      [--order-notify-key K4] [--mode good|sample]
                      [--broken forged-signature|new-id-on-resend|production-000005] ...

Prints exactly one line `listening on http://127.0.0.1:<port>` on stdout when ready,
logs one line per request on stderr, exits 0 on SIGTERM / SIGINT.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import re
import secrets
import signal
import string
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

WINDOW_MS = 60_000          # Huawei: timestamp must be within 60 s of now
NONCE_TTL_S = 180.0         # >= 2 x window: a nonce can never become valid again once forgotten
MAX_BODY = 1 << 20          # own choice: 1 MiB request bodies at most
KIT_NAMES = ("tenantSync", "applicationSync", "authSync", "singleOrgSync", "allOrgSync")

BROKEN_CHOICES = ("forged-signature", "new-id-on-resend", "production-000005")

SUCCESS, AUTH_FAILED, BAD_PARAM, NOT_FOUND, PROCESSING, INTERNAL = (
    "000000", "000001", "000002", "000003", "000004", "000005")

# Messages of this seller (good mode): our own wording.
GOOD_MSG = {
    SUCCESS: "ok",
    AUTH_FAILED: "authentication failed",
    BAD_PARAM: "invalid request parameter",
    NOT_FOUND: "instance does not exist",
    PROCESSING: "request is being processed",
    INTERNAL: "internal service error",
}
# HTTP status per result code in good mode (Huawei documents none; our own choice).
GOOD_STATUS = {SUCCESS: 200, AUTH_FAILED: 401, BAD_PARAM: 400, NOT_FOUND: 404,
               PROCESSING: 202, INTERNAL: 500}
# Messages as Huawei's official V2.0 sample answers them (sample mode).
SAMPLE_MSG = {
    SUCCESS: "success.",
    AUTH_FAILED: "token is invalid",
    BAD_PARAM: "param is invalid",
    NOT_FOUND: "instance is invalid",
    PROCESSING: "request is processing",
    INTERNAL: "other inner error",
}

TS_GOOD_RE = re.compile(r"\d{1,19}")
TS_SAMPLE_RE = re.compile(r"[+-]?\d{1,19}")   # what Java's Long.parseLong would accept


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def log(line: str) -> None:
    sys.stderr.write(time.strftime("%Y-%m-%dT%H:%M:%S") + " " + line + "\n")
    sys.stderr.flush()


# --------------------------------------------------------------------------------------------
# Signatures (README.md, pages P-sig, P-lc, P-ol, P-on)
# --------------------------------------------------------------------------------------------

def _utf16_order(key: str) -> bytes:
    # Java's TreeMap orders String keys by UTF-16 code units; big-endian UTF-16 bytes sort the same.
    return key.encode("utf-16-be", "surrogatepass")


def canonical_payload(body: dict) -> bytes:
    """Top-level keys sorted, null values dropped, compact, non-ASCII kept, nested values as received."""
    kept = sorted(((k, v) for k, v in body.items() if v is not None), key=lambda kv: _utf16_order(kv[0]))
    return json.dumps(dict(kept), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def basic_signature(key: str, nonce: str, timestamp: str, payload: bytes) -> str:
    """hex(HMAC(key, key + nonce + timestamp + lower(hex(HMAC(key, payload)))))"""
    k = key.encode("utf-8")
    inner = hmac.new(k, payload, hashlib.sha256).hexdigest()
    canonical = k + nonce.encode("utf-8") + timestamp.encode("utf-8") + inner.encode("ascii")
    return hmac.new(k, canonical, hashlib.sha256).hexdigest()


def kit_signature(key: str, nonce: str, timestamp: str, payload: bytes) -> str:
    """hex(HMAC(key, key + nonce + timestamp + payload)) -- no inner HMAC."""
    k = key.encode("utf-8")
    return hmac.new(k, k + nonce.encode("utf-8") + timestamp.encode("utf-8") + payload,
                    hashlib.sha256).hexdigest()


def signature_matches(scheme: Callable[[str, str, str, bytes], str], key: str, nonce: str,
                      timestamp: str, given: str, raw: bytes, body: dict | None) -> bool:
    payloads = [raw]
    if body is not None:
        payloads.append(canonical_payload(body))
    given_b = given.strip().lower().encode("utf-8")
    ok = False
    for p in payloads:   # no short-circuit: every candidate is compared in constant time
        expected = scheme(key, nonce, timestamp, p).encode("ascii")
        ok = hmac.compare_digest(given_b, expected) | ok
    return ok


class NonceCache:
    """Nonces seen in the last NONCE_TTL_S seconds (any family: one cache for the whole server)."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def add(self, nonce: str) -> bool:
        """Remember the nonce; False when it was already seen (a replay)."""
        t = time.monotonic()
        with self._lock:
            if t >= self._next_prune:
                for n in [n for n, exp in self._seen.items() if exp <= t]:
                    del self._seen[n]
                self._next_prune = t + 5.0
            exp = self._seen.get(nonce)
            if exp is not None and exp > t:
                return False
            self._seen[nonce] = t + NONCE_TTL_S
            return True


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

@dataclass
class Result:
    code: str
    detail: str = ""
    fields: dict = field(default_factory=dict)   # extra answer fields, in order (instanceId, info)
    http: int | None = None                      # good-mode status override


def ok(**fields: Any) -> Result:
    return Result(SUCCESS, fields=fields)


def bad(detail: str) -> Result:
    return Result(BAD_PARAM, detail)


def auth_failed(detail: str) -> Result:
    return Result(AUTH_FAILED, detail)


class Invalid(Exception):
    """Raised by the field checks; becomes a 000002 answer."""


# --------------------------------------------------------------------------------------------
# Field checks (Huawei's M/O columns and value lists; tolerant elsewhere)
# --------------------------------------------------------------------------------------------

def m_str(body: dict, name: str, allow_empty: bool = False) -> str:
    v = body.get(name)
    if v is None:
        raise Invalid(f"{name} is mandatory")
    if not isinstance(v, str):
        raise Invalid(f"{name} must be a string")
    if not v and not allow_empty:
        raise Invalid(f"{name} must not be empty")
    return v


def o_str(body: dict, name: str) -> str | None:
    v = body.get(name)
    if v is None:
        return None
    if not isinstance(v, str):
        raise Invalid(f"{name} must be a string")
    return v


def m_enum(body: dict, name: str, allowed: tuple[str, ...]) -> str:
    v = m_str(body, name)
    if v not in allowed:
        raise Invalid(f"{name} must be one of {', '.join(allowed)}")
    return v


def m_int_in(body: dict, name: str, allowed: tuple[int, ...]) -> int:
    v = body.get(name)
    if v is None:
        raise Invalid(f"{name} is mandatory")
    if isinstance(v, bool) or not isinstance(v, int):
        raise Invalid(f"{name} must be an integer")
    if v not in allowed:
        raise Invalid(f"{name} must be one of {', '.join(map(str, allowed))}")
    return v


def m_list(body: dict, name: str) -> list:
    v = body.get(name)
    if v is None:
        raise Invalid(f"{name} is mandatory")
    if not isinstance(v, list):
        raise Invalid(f"{name} must be an array")
    return v


def kit_id(body: dict, name: str) -> str:
    """Kit instanceId / orderId: mandatory in the tables but 'empty when the seller applies for app
    credentials' (P-kit: tenantSync, applicationSync): accept absent, null or empty."""
    v = body.get(name)
    if v is None:
        return ""
    if not isinstance(v, str):
        raise Invalid(f"{name} must be a string")
    return v


def is_debug(body: dict) -> bool:
    v = body.get("testFlag")
    return v == "1" or (isinstance(v, int) and not isinstance(v, bool) and v == 1)


def no_nulls(body: dict) -> dict:
    return {k: v for k, v in body.items() if v is not None}


# --------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------

PW_ALPHABET = string.ascii_letters + string.digits


@dataclass
class Instance:
    instance_id: str
    family: str
    order_id: str
    order_line_id: str
    business_id: str
    debug: bool
    created_ms: int
    status: str = "ACTIVE"          # ACTIVE | FROZEN | RELEASED
    expire_time: str | None = None
    product_id: str | None = None
    password: str = ""
    history: list = field(default_factory=list)   # every effect, once


class State:
    def __init__(self, new_id_on_resend: bool) -> None:
        self.lock = threading.RLock()
        self.new_id_on_resend = new_id_on_resend
        self.instances: dict[str, Instance] = {}                 # both SaaS and online License
        self.by_order: dict[tuple[str, str, str], str] = {}      # (family, orderId, orderLineId) -> id
        self.done: set[tuple] = set()                            # idempotency keys already applied
        self.license_events: dict[tuple[str, str], dict] = {}    # getLicenseAsync (eventId, fingerprint)
        self.codes: dict[str, dict] = {}                         # license authorization codes
        self.notified: dict[tuple[str, str], dict] = {}          # orderNotify
        self.tenants: dict[tuple, dict] = {}
        self.apps: dict[tuple, dict] = {}
        self.users: dict[tuple, dict] = {}
        self.orgs: dict[tuple, dict] = {}

    # ---- instances -------------------------------------------------------------------------

    def _new_instance_id(self, prefix: str) -> str:
        while True:
            iid = prefix + secrets.token_hex(12).upper()      # e.g. ISV-0F3A...: 28 chars, no comma
            if iid not in self.instances:
                return iid

    def create(self, family: str, prefix: str, body: dict) -> Instance:
        order_id = m_str(body, "orderId")
        line_id = m_str(body, "orderLineId")
        business_id = m_str(body, "businessId")
        key = (family, order_id, line_id)
        with self.lock:
            known = self.by_order.get(key)
            if known is not None and not self.new_id_on_resend:
                return self.instances[known]
            inst = Instance(self._new_instance_id(prefix), family, order_id, line_id, business_id,
                            is_debug(body), now_ms(),
                            password="".join(secrets.choice(PW_ALPHABET) for _ in range(16)))
            inst.history.append(("created", business_id))
            self.instances[inst.instance_id] = inst
            self.by_order[key] = inst.instance_id
            return inst

    def live(self, family: str, iid: str) -> Instance | None:
        inst = self.instances.get(iid)
        if inst is None or inst.family != family or inst.status == "RELEASED":
            return None
        return inst


# --------------------------------------------------------------------------------------------
# Business handlers, good mode
# --------------------------------------------------------------------------------------------

class GoodSeller:
    """A correct seller per Huawei's documents."""

    SAAS_SCENES = ("TRIAL_TO_FORMAL", "RENEWAL", "UNSUBSCRIBE_RENEWAL_PERIOD", "RENEWAL_CHANGE")
    LICENSE_SCENES = ("TRIAL_TO_FORMAL", "RENEWAL", "UNSUBSCRIBE_RENEWAL_PERIOD")
    CODE_SCENES = ("RENEWAL", "UNSUBSCRIBE_RENEWAL_PERIOD")
    STATUSES = ("FREEZE", "UNFREEZE")

    def __init__(self, state: State) -> None:
        self.s = state

    # ---- shared instance life cycle (SaaS V2.0 and online License) ---------------------------

    def _missing(self, family: str) -> Result:
        return Result(NOT_FOUND, "unknown or released instanceId")

    def _target(self, family: str, iid: str, key: tuple) -> tuple[Instance | None, Result | None]:
        """The instance an operation (idempotency key `key`) applies to. Call with the lock held.

        Returns (instance, None) when the operation must be applied, or (None, answer):
        - an instance this seller never issued: 000003;
        - a resend of an operation already processed: success again, without a second effect,
          whatever happened to the instance since (saved debug cases are re-run by probing in any
          order, after the release case of the same debug run);
        - a new operation on a released instance: 000003.
        """
        inst = self.s.instances.get(iid)
        if inst is None or inst.family != family:
            return None, self._missing(family)
        if key in self.s.done:
            return None, ok()
        if inst.status == "RELEASED":
            return None, self._missing(family)
        return inst, None

    def refresh(self, family: str, body: dict, scenes: tuple[str, ...]) -> Result:
        scene = m_enum(body, "scene", scenes)
        order_id = m_str(body, "orderId")
        line_id = m_str(body, "orderLineId")
        iid = m_str(body, "instanceId")
        expire = m_str(body, "expireTime")
        product = o_str(body, "productId")
        key = ("refresh", iid, order_id, line_id, scene)
        with self.s.lock:
            inst, answer = self._target(family, iid, key)
            if inst is None:
                return answer
            self.s.done.add(key)
            inst.expire_time = expire
            if product:
                inst.product_id = product
            inst.history.append(("refresh", scene, order_id, expire))
        return ok()

    def update_status(self, family: str, body: dict) -> Result:
        iid = m_str(body, "instanceId")
        status = m_enum(body, "status", self.STATUSES)
        key = ("status", iid, status)
        with self.s.lock:
            inst = self.s.instances.get(iid)
            if inst is None or inst.family != family:
                return self._missing(family)
            if inst.status == "RELEASED":       # only a resend of a status already set succeeds
                return ok() if key in self.s.done else self._missing(family)
            self.s.done.add(key)                # a live instance always takes the status it is sent
            target = "FROZEN" if status == "FREEZE" else "ACTIVE"
            if inst.status != target:          # a repeated FREEZE / UNFREEZE has no second effect
                inst.status = target
                inst.history.append(("status", status))
        return ok()

    def release(self, family: str, body: dict) -> Result:
        iid = m_str(body, "instanceId")
        o_str(body, "orderId")
        o_str(body, "orderLineId")
        with self.s.lock:
            inst = self.s.instances.get(iid)
            if inst is None or inst.family != family:
                return self._missing(family)
            if inst.status != "RELEASED":       # releasing a released instance: success again
                inst.status = "RELEASED"
                inst.history.append(("released", body.get("orderId")))
        return ok()

    # ---- SaaS V2.0 (README.md, pages P-new … P-check) ----------------------------------------------------------

    def saas(self, body: dict) -> Result:
        activity = body.get("activity")
        if activity == "newInstance":
            return ok(instanceId=self.s.create("saas", "ISV-", body).instance_id)
        if activity == "queryInstance":
            return self.query(body)
        if activity == "refreshInstance":
            return self.refresh("saas", body, self.SAAS_SCENES)
        if activity == "updateInstanceStatus":
            return self.update_status("saas", body)
        if activity == "releaseInstance":
            return self.release("saas", body)
        if activity == "upgradeInstance":
            return self.upgrade(body)
        if activity == "changeInstanceCheck":
            return self.change_check(body)
        return bad(f"unknown activity {activity!r}")

    def query(self, body: dict) -> Result:
        raw = m_str(body, "instanceId")
        ids: list[str] = []
        for part in raw.split(","):
            part = part.strip()
            if part and part not in ids:
                ids.append(part)
        if not ids:
            return bad("instanceId lists no ID")
        if len(ids) > 100:
            return bad("instanceId lists more than 100 IDs")
        info = []
        with self.s.lock:
            for iid in ids:
                inst = self.s.live("saas", iid)
                if inst is None:
                    continue                     # unknown / released IDs are simply not listed
                host = f"https://{inst.instance_id.lower()}.seller.example"
                info.append({
                    "instanceId": inst.instance_id,
                    "appInfo": {
                        "frontEndUrl": host + "/",
                        "adminUrl": host + "/admin",
                        "userName": "admin",
                        "password": inst.password,
                        "memo": "实例已开通 (instance ready)" + (" [frozen]" if inst.status == "FROZEN" else ""),
                    },
                })
        return ok(info=info)

    def upgrade(self, body: dict) -> Result:
        iid = m_str(body, "instanceId")
        order_id = m_str(body, "orderId")
        line_id = m_str(body, "orderLineId")
        key = ("upgrade", iid, order_id, line_id)
        with self.s.lock:
            inst, answer = self._target("saas", iid, key)
            if inst is None:
                return answer
            self.s.done.add(key)
            inst.history.append(("upgrade", order_id))
        return ok()

    def change_check(self, body: dict) -> Result:
        iid = m_str(body, "instanceId")
        product_info = body.get("productInfo")
        if product_info is None:
            raise Invalid("productInfo is mandatory")
        if not isinstance(product_info, (dict, list)):
            raise Invalid("productInfo must be an object")
        key = ("check", iid, json.dumps(product_info, sort_keys=True))
        with self.s.lock:
            inst, answer = self._target("saas", iid, key)
            if inst is None:
                return answer
            self.s.done.add(key)
        return ok()                              # every change is allowed by this seller

    # ---- online-open License (README.md, page P-ol) -------------------------------

    def license(self, body: dict) -> Result:
        activity = body.get("activity")
        if activity == "newInstance":
            return ok(instanceId=self.s.create("license", "LIC-", body).instance_id)
        if activity == "refreshInstance":
            return self.refresh("license", body, self.LICENSE_SCENES)
        if activity == "updateInstanceStatus":
            return self.update_status("license", body)
        if activity == "releaseInstance":
            return self.release("license", body)
        if activity == "getLicenseAsync":
            iid = m_str(body, "instanceId")
            m_str(body, "effectiveTime")
            event_id = m_str(body, "eventId")
            expire = o_str(body, "expireTime")
            fingerprint = o_str(body, "deviceFingerprint") or ""
            key = (event_id, fingerprint)
            with self.s.lock:
                known = self.s.license_events.get(key)
                if known is not None and known["instanceId"] == iid:
                    return ok()                 # same application: same (later) License, no new one
                inst = self.s.live("license", iid)
                if inst is None:
                    return self._missing("license")
                self.s.license_events[key] = {"instanceId": iid, "expireTime": expire,
                                              "effectiveTime": body["effectiveTime"]}
                inst.history.append(("licenseRequested", event_id))
            return ok()   # synchronous acceptance; the License would be uploaded via the Open API
        return bad(f"unknown activity {activity!r}")

    # ---- License authorization codes 2.0 (P-lc) ---------------------------------------------

    def license_code(self, body: dict) -> Result:
        activity = body.get("activity")
        if activity == "refreshLicenseCode":
            scene = m_enum(body, "scene", self.CODE_SCENES)
            order_id = m_str(body, "orderId")
            line_id = m_str(body, "orderLineId")
            code = m_str(body, "license")
            expire = m_str(body, "expireTime")
            product = o_str(body, "productId")
            key = ("refreshCode", code, order_id, line_id, scene)
            with self.s.lock:
                rec = self._code(code)
                if key in self.s.done:
                    return ok()                 # resend: success again, no second effect
                if rec["status"] == "RELEASED":
                    return Result(NOT_FOUND, "license code was released")
                self.s.done.add(key)
                rec["expireTime"] = expire
                if product:
                    rec["productId"] = product
                rec["history"].append(("refresh", scene, order_id, expire))
            return ok()
        if activity == "updateLicenseCodeStatus":
            code = m_str(body, "license")
            status = m_enum(body, "status", self.STATUSES)
            key = ("codeStatus", code, status)
            with self.s.lock:
                rec = self._code(code)
                if rec["status"] == "RELEASED":
                    if key in self.s.done:
                        return ok()
                    return Result(NOT_FOUND, "license code was released")
                self.s.done.add(key)
                target = "FROZEN" if status == "FREEZE" else "ACTIVE"
                if rec["status"] != target:
                    rec["status"] = target
                    rec["history"].append(("status", status))
            return ok()
        if activity == "releaseLicenseCode":
            code = m_str(body, "license")
            o_str(body, "orderId")
            o_str(body, "orderLineId")
            with self.s.lock:
                rec = self._code(code)
                if rec["status"] != "RELEASED":
                    rec["status"] = "RELEASED"
                    rec["history"].append(("released", body.get("orderId")))
            return ok()
        return bad(f"unknown activity {activity!r}")

    def _code(self, code: str) -> dict:
        # The marketplace never announces a new code: register it on first sight.
        rec = self.s.codes.get(code)
        if rec is None:
            rec = {"status": "ACTIVE", "expireTime": None, "productId": None,
                   "firstSeenMs": now_ms(), "history": []}
            self.s.codes[code] = rec
        return rec

    # ---- order notification (E) -------------------------------------------------------------

    def order_notify(self, body: dict) -> Result:
        activity = body.get("activity")
        if activity != "orderNotify":
            return bad(f"unknown activity {activity!r}")
        order_id = m_str(body, "orderId")
        line_id = m_str(body, "orderLineId")
        with self.s.lock:
            rec = self.s.notified.get((order_id, line_id))
            if rec is None:
                self.s.notified[(order_id, line_id)] = {"firstSeenMs": now_ms(), "count": 1,
                                                        "debug": is_debug(body)}
            else:
                rec["count"] += 1                # kept once; repeats only counted
        return ok()

    # ---- joint-operation Kit V2 (P-kit) -----------------------------------------------------

    def kit(self, name: str, body: dict) -> Result:
        m_str(body, "timeStamp")
        inst = kit_id(body, "instanceId")
        tenant = m_str(body, "tenantId")
        s = self.s
        if name == "tenantSync":
            order_id = kit_id(body, "orderId")
            rec = {"orderId": order_id, "tenantCode": m_str(body, "tenantCode"),
                   "name": m_str(body, "name"), "domainName": m_str(body, "domainName")}
            flag = m_int_in(body, "flag", (0, 1, 2))
            self._apply(s.tenants, (inst, tenant), flag, rec)
        elif name == "applicationSync":
            app = m_str(body, "appId")
            # clientSecret is RSA-OAEP encrypted with our public key; the standard library has no
            # RSA, so this seller stores the ciphertext as received and never decrypts it.
            rec = {"clientId": m_str(body, "clientId"), "clientSecretCiphertext": m_str(body, "clientSecret")}
            flag = m_int_in(body, "flag", (0, 1, 2))
            self._apply(s.apps, (inst, tenant, app), flag, rec)
        elif name == "authSync":
            app = m_str(body, "appId")
            users = m_list(body, "userList")
            m_str(body, "currentSyncTime")
            flag = m_int_in(body, "flag", (0, 1, 2, 3))
            checked = []
            for u in users:
                if not isinstance(u, dict):
                    raise Invalid("userList items must be objects")
                for f in ("userName", "name", "orgCode", "role", "enable"):
                    m_str(u, f)
                checked.append(no_nulls(u))
            with s.lock:
                for u in checked:
                    key = (inst, tenant, app, u["userName"])
                    if flag == 3:               # cancel authorisation: keep the account, revoke access
                        if key in s.users:
                            s.users[key]["authorized"] = False
                    else:
                        self._apply(s.users, key, flag, dict(u, authorized=True))
        elif name == "singleOrgSync":
            code = m_str(body, "orgCode")
            rec = {"orgName": m_str(body, "orgName"), "parentCode": o_str(body, "parentCode") or ""}
            flag = m_int_in(body, "flag", (0, 1, 2))
            self._apply(s.orgs, (inst, tenant, code), flag, rec)
        elif name == "allOrgSync":
            items = m_list(body, "orgInfoList")
            orgs = {}
            for o in items:
                if not isinstance(o, dict):
                    raise Invalid("orgInfoList items must be objects")
                orgs[m_str(o, "orgCode")] = {"orgName": m_str(o, "orgName"),
                                             "parentCode": o_str(o, "parentCode") or ""}
            with s.lock:                        # full sync: the list replaces the tenant's tree
                for key in [k for k in s.orgs if k[0] == inst and k[1] == tenant]:
                    del s.orgs[key]
                for code, rec in orgs.items():
                    s.orgs[(inst, tenant, code)] = rec
        else:
            return bad("unknown Kit interface")
        return ok()

    def _apply(self, table: dict, key: tuple, flag: int, rec: dict) -> None:
        with self.s.lock:
            if flag == 0:
                table.pop(key, None)            # deleting a missing record succeeds
            elif flag == 1:
                table.setdefault(key, rec)      # a repeated add creates nothing new
            else:
                table.setdefault(key, {}).update(rec)   # modify (creates when missing)


# --------------------------------------------------------------------------------------------
# Business handlers, sample mode (Huawei's official V2.0 sample project)
# --------------------------------------------------------------------------------------------

class SampleSeller:
    """Behaves like Huawei's SaaS V2.0 sample (IsvProduceController / IsvProduceServiceImpl)."""

    ACTIVITIES = ("refreshInstance", "updateInstanceStatus", "releaseInstance", "upgradeInstance",
                  "changeInstanceCheck") + KIT_NAMES

    @staticmethod
    def _as_string(v: Any) -> str | None:
        # The sample binds the body to Map<String, String>: scalars become strings.
        if v is None or isinstance(v, str):
            return v
        return json.dumps(v, ensure_ascii=False)

    def saas(self, body: dict) -> Result:
        activity = body.get("activity")
        if activity == "newInstance":
            return ok(instanceId=self._as_string(body.get("businessId")))
        if activity == "queryInstance":
            raw = self._as_string(body.get("instanceId"))
            if raw is None or not raw.strip():
                return Result(BAD_PARAM, fields={"info": None})
            ids = raw.split(",")
            while ids and ids[-1] == "":          # Java's String.split drops trailing empties
                ids.pop()
            if len(ids) > 100:
                return Result(BAD_PARAM, fields={"info": None})
            return ok(info=[{
                "instanceId": iid,
                "appInfo": {
                    "frontEndUrl": "http://sample-seller.example/",
                    "adminUrl": "http://sample-seller.example/admin",
                    "userName": "hwadmin",
                    "password": "Sample#2024pwd",
                    "memo": "调测实例",
                },
            } for iid in ids])
        if activity in self.ACTIVITIES:
            return ok()                           # the sample leaves the business code empty
        return bad(f"unknown activity {activity!r}")

    def kit(self, name: str, body: dict) -> Result:
        return ok()


# --------------------------------------------------------------------------------------------
# HTTP layer
# --------------------------------------------------------------------------------------------

@dataclass
class Config:
    keys: dict[str, str]          # family -> key
    mode: str
    broken: frozenset[str]


class SellerServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], cfg: Config) -> None:
        super().__init__(addr, Handler)
        self.cfg = cfg
        self.state = State("new-id-on-resend" in cfg.broken)
        self.nonces = NonceCache()
        self.good = GoodSeller(self.state)
        self.sample = SampleSeller()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "independent-seller/1.0"
    server: SellerServer

    def log_message(self, fmt: str, *args: Any) -> None:   # silence the default access log
        pass

    # ---- routing ----------------------------------------------------------------------------

    def _route(self, path: str) -> tuple[str, str | None] | None:
        path = path.rstrip("/") or "/"
        if path == "/saas":
            return "saas", None
        if path.startswith("/saas/produceAPI/v2/"):
            name = path[len("/saas/produceAPI/v2/"):]
            return ("kit", name) if name in KIT_NAMES else None
        if path == "/license-code":
            return "license-code", None
        if path == "/license":
            return "license", None
        if path == "/order-notify":
            return "order-notify", None
        return None

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        route = self._route(url.path)
        activity = None
        try:
            raw = self._read_body()
        except ValueError as e:
            status = 413 if "too large" in str(e) else 400
            self._finish(url.path, None, Result(BAD_PARAM, str(e), http=status), close=True)
            return
        if route is None:
            self._finish(url.path, None, Result(BAD_PARAM, "no such interface", http=404))
            return
        if method != "POST":
            self._finish(url.path, None, Result(BAD_PARAM, "only POST is served", http=405))
            return
        family, kit_name = route
        body = self._parse(raw)
        if body is not None:
            activity = body.get("activity") if kit_name is None else kit_name
        try:
            result = self._handle(family, kit_name, url.query, raw, body)
        except Invalid as e:
            result = bad(str(e))
        except Exception as e:                                  # never leak a stack trace
            log(f"internal error: {e!r}")
            result = Result(INTERNAL, "unexpected error")
        self._finish(url.path, activity if isinstance(activity, str) else None, result,
                     family=family)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    raise ValueError("request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise ValueError("malformed Content-Length") from None
        if length > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length > 0 else b""

    @staticmethod
    def _parse(raw: bytes) -> dict | None:
        def no_constants(name: str) -> Any:
            raise ValueError(name)
        try:
            value = json.loads(raw.decode("utf-8"), parse_constant=no_constants)
        except (ValueError, UnicodeDecodeError):
            return None
        return value if isinstance(value, dict) else None

    # ---- request pipeline -------------------------------------------------------------------

    def _handle(self, family: str, kit_name: str | None, query: str, raw: bytes,
                body: dict | None) -> Result:
        cfg = self.server.cfg
        sample = cfg.mode == "sample"
        if kit_name is not None:
            ts = self.headers.get("x-timestamp") or ""
            nonce = self.headers.get("x-nonce") or ""
            sig = self.headers.get("x-sign") or ""
            scheme = kit_signature
        else:
            q = parse_qs(query, keep_blank_values=True)
            ts, nonce, sig = (q.get(n, [""])[0] for n in ("timestamp", "nonce", "signature"))
            scheme = basic_signature
        key = cfg.keys[family]
        refusal = (self._auth_sample if sample else self._auth_good)(
            scheme, key, ts, nonce, sig, raw, body)
        if refusal is not None:
            return refusal
        if body is None:
            return bad("the body is not a JSON object")
        if "production-000005" in cfg.broken and not is_debug(body):
            return Result(INTERNAL, "production calls are failing (broken: production-000005)")

        # Business logic. In sample mode only /saas and the Kit paths follow the sample; the
        # License, license-code and order-notification paths keep the good seller's logic.
        if family == "kit":
            return self.server.sample.kit(kit_name, body) if sample else self.server.good.kit(kit_name, body)
        if family == "saas":
            return self.server.sample.saas(body) if sample else self.server.good.saas(body)
        if family == "license":
            return self.server.good.license(body)
        if family == "license-code":
            return self.server.good.license_code(body)
        return self.server.good.order_notify(body)

    def _auth_good(self, scheme, key, ts, nonce, sig, raw, body) -> Result | None:
        forged = "forged-signature" in self.server.cfg.broken
        missing = [n for n, v in (("timestamp", ts), ("nonce", nonce)) if not v]
        if not sig and not forged:
            missing.append("signature")
        if missing:
            return auth_failed("missing " + ", ".join(missing))
        if not TS_GOOD_RE.fullmatch(ts):
            return bad("timestamp is not a UNIX time in milliseconds")
        if abs(now_ms() - int(ts)) > WINDOW_MS:
            return auth_failed("timestamp is more than 60 s away from now")
        if not forged and not signature_matches(scheme, key, nonce, ts, sig, raw, body):
            return auth_failed("signature mismatch")
        if not self.server.nonces.add(nonce):
            return auth_failed("nonce already used")
        return None

    def _auth_sample(self, scheme, key, ts, nonce, sig, raw, body) -> Result | None:
        # Order and codes as in the sample's IsvProduceAPI.verifySignature / verifyTenantSignature.
        forged = "forged-signature" in self.server.cfg.broken
        if not ts or not TS_SAMPLE_RE.fullmatch(ts):
            return bad("timestamp")
        if now_ms() - int(ts) > WINDOW_MS:        # only the past is limited; no nonce cache
            return bad("timestamp")
        if not nonce:
            return bad("nonce")
        if forged:
            return None
        if not sig:
            return auth_failed("signature")
        if not signature_matches(scheme, key, nonce, ts, sig, raw, body):
            return auth_failed("signature")
        return None

    # ---- answers ----------------------------------------------------------------------------

    def _finish(self, path: str, activity: str | None, result: Result, family: str | None = None,
                close: bool = False) -> None:
        if self.server.cfg.mode == "sample":
            answer = {"resultCode": result.code, "resultMsg": SAMPLE_MSG.get(result.code, ""),
                      "instanceId": None}
            answer.update(result.fields)
            status = result.http if result.http in (400, 404, 405, 413) else 200
            data = json.dumps(answer, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            ctype = "application/json"
        else:
            msg = GOOD_MSG.get(result.code, "")
            if result.code == NOT_FOUND and family == "license-code":
                msg = "license code does not exist"
            if result.detail:
                msg = f"{msg}: {result.detail}"
            answer = {"resultCode": result.code, "resultMsg": msg}
            answer.update(result.fields)
            answer["traceId"] = "tr-" + secrets.token_hex(10)
            status = result.http or GOOD_STATUS.get(result.code, 200)
            # Huawei: Chinese text in answers (memo) is sent as \uXXXX escapes, hence ensure_ascii.
            data = json.dumps(answer, separators=(",", ":"), ensure_ascii=True).encode("ascii")
            ctype = "application/json;charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)
        log(f"{self.command} {path} activity={activity or '-'} -> HTTP {status} {result.code}"
            + (f" ({result.detail})" if result.detail else ""))


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Independent KooGallery seller server (test subject).")
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks a free one")
    p.add_argument("--key", required=True, help="key bound to the basic interfaces (SaaS V2.0, online License)")
    p.add_argument("--kit-key", help="key bound to the Kit V2 interfaces (default: --key)")
    p.add_argument("--license-code-key", help="key for License authorization codes 2.0 (default: --key)")
    p.add_argument("--order-notify-key", help="key for the order notification (default: --key)")
    p.add_argument("--mode", choices=("good", "sample"), default="good")
    p.add_argument("--broken", action="append", default=[], choices=BROKEN_CHOICES,
                   help="break one rule on purpose; may be repeated")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    keys = {
        "saas": args.key,
        "license": args.key,
        "kit": args.kit_key or args.key,
        "license-code": args.license_code_key or args.key,
        "order-notify": args.order_notify_key or args.key,
    }
    cfg = Config(keys, args.mode, frozenset(args.broken))
    server = SellerServer(("127.0.0.1", args.port), cfg)

    def stop(signum: int, frame: Any) -> None:
        # serve_forever runs in this (main) thread: shut it down from another one.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = server.server_address[1]
    log(f"mode={cfg.mode} broken={','.join(sorted(cfg.broken)) or '-'}")
    sys.stdout.write(f"listening on http://127.0.0.1:{port}\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
