"""Self-test of the independent seller server.

Run from the repository root:  python3 -m unittest test/independent-seller/test_seller.py

Each test class starts seller.py as a subprocess on a free port (`--port 0`) and talks to it with the
tiny client below, which signs requests with its own code (it does not import the server's signing
functions). The client's signing is pinned to fixed vectors produced with the openssl CLI, an
implementation independent of Python's hmac module:

    KEY='seller-key-Ω1'; NONCE='50D83FDE…FD17DA'; TS='1680508066618'
    INNER=$(printf '%s' "$PAYLOAD" | openssl dgst -sha256 -hmac "$KEY" -r | cut -d' ' -f1)
    printf '%s' "$KEY$NONCE$TS$INNER" | openssl dgst -sha256 -hmac "$KEY" -r        # basic
    printf '%s' "$KEY$NONCE$TS$KPAYLOAD" | openssl dgst -sha256 -hmac "$KEY" -r     # Kit
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
SELLER = os.path.join(HERE, "seller.py")

KEY = "basic-key-Ω-1"          # non-ASCII on purpose: keys are used as UTF-8 bytes
KIT_KEY = "kit-key-2"
CODE_KEY = "license-code-key-3"
NOTIFY_KEY = "order-notify-key-4"

# ---- fixed vectors (openssl, see the module docstring) --------------------------------------
V_KEY = "seller-key-Ω1"
V_NONCE = "50D83FDECAED6CCD8EF597F2A577950527928BA287D04E6036E92B2806FD17DA"
V_TS = "1680508066618"
V_BODY = {"testFlag": "1", "orderLineId": "CS2211181819B4LVS-000001",
          "businessId": "87b94795-0603-4e24-8ae5-69420d60e3c8", "orderId": "CS2211181819B4LVS",
          "activity": "newInstance", "dropped": None}
V_PAYLOAD = ('{"activity":"newInstance","businessId":"87b94795-0603-4e24-8ae5-69420d60e3c8",'
             '"orderId":"CS2211181819B4LVS","orderLineId":"CS2211181819B4LVS-000001","testFlag":"1"}')
V_BASIC_SIG = "6b68095662d82fa44e91c2608539f9fd7298f6b8b50c89257e6ac21c7731ea50"
V_KIT_BODY = {"timeStamp": "20220413093539534", "testFlag": 0, "flag": 1, "tenantId": "68cbc86",
              "instanceId": "huaiweitest123456", "orderId": "CS1906666666ABCDE", "tenantCode": "huawei",
              "name": "华为测试", "domainName": "https://example.tenantaccount.com"}
V_KIT_SIG = "5307bd92db0d0fcc40867711330996033a0f85090cd4e1df5884944c49c5d3da"

ID_RE = re.compile(r"^ISV-[0-9A-F]{24}$")


# ---- tiny client ----------------------------------------------------------------------------

def payload_of(body: dict) -> bytes:
    items = sorted((k, v) for k, v in body.items() if v is not None)
    return json.dumps(dict(items), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_basic(key: str, nonce: str, ts: str, payload: bytes) -> str:
    k = key.encode()
    inner = hmac.new(k, payload, hashlib.sha256).hexdigest()
    return hmac.new(k, (key + nonce + ts + inner).encode(), hashlib.sha256).hexdigest().upper()


def sign_kit(key: str, nonce: str, ts: str, payload: bytes) -> str:
    k = key.encode()
    return hmac.new(k, (key + nonce + ts).encode() + payload, hashlib.sha256).hexdigest().upper()


def ms(offset_s: float = 0.0) -> str:
    return str(int((time.time() + offset_s) * 1000))


class Seller:
    """A running seller.py subprocess."""

    def __init__(self, *args: str) -> None:
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, SELLER, "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=self.err)
        line = self._readline(10.0)
        m = re.fullmatch(r"listening on http://127\.0\.0\.1:(\d+)\n", line)
        if not m:
            self.proc.kill()
            raise AssertionError(f"unexpected first line {line!r}")
        self.port = int(m.group(1))

    def _readline(self, timeout: float) -> str:
        out: list[bytes] = []
        t = threading.Thread(target=lambda: out.append(self.proc.stdout.readline()), daemon=True)
        t.start()
        t.join(timeout)
        return out[0].decode() if out else ""

    def stop(self) -> tuple[int, bytes]:
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        rest = self.proc.stdout.read()
        self.proc.stdout.close()
        self.err.close()
        return rc, rest

    # -- raw HTTP --
    def post(self, path: str, data: bytes, headers: dict | None = None) -> tuple[int, dict, dict]:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request("POST", path, data, {"Content-Type": "application/json;charset=utf8",
                                           "Accept": "application/json", **(headers or {})})
            r = c.getresponse()
            raw = r.read()
            return r.status, json.loads(raw), dict(r.getheaders())
        finally:
            c.close()

    # -- signed calls --
    def basic(self, path: str, body, key: str = KEY, ts: str | None = None, nonce: str | None = None,
              sig: str | None = None, raw: bytes | None = None, omit: tuple = ()) -> tuple[int, dict]:
        ts = ms() if ts is None else ts
        nonce = secrets.token_hex(32).upper() if nonce is None else nonce
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
        if sig is None:   # objects are signed in canonical form, anything else as the raw bytes
            sig = sign_basic(key, nonce, ts, payload_of(body) if raw is None and isinstance(body, dict) else data)
        params = {"signature": sig, "timestamp": ts, "nonce": nonce}
        q = "&".join(f"{k}={quote(v)}" for k, v in params.items() if k not in omit)
        status, answer, _ = self.post(f"{path}?{q}", data)
        return status, answer

    def saas(self, body, **kw):
        return self.basic("/saas", body, **kw)

    def kit(self, name: str, body, key: str = KIT_KEY, ts: str | None = None, nonce: str | None = None,
            sig: str | None = None) -> tuple[int, dict]:
        ts = ms() if ts is None else ts
        nonce = secrets.token_hex(16) if nonce is None else nonce
        if sig is None:
            sig = sign_kit(key, nonce, ts, payload_of(body))
        status, answer, _ = self.post(f"/saas/produceAPI/v2/{name}", json.dumps(body).encode(),
                                      {"x-sign": sig, "x-timestamp": ts, "x-nonce": nonce})
        return status, answer


def new_order(suffix: str = "", debug: bool = True) -> dict:
    oid = "CS" + secrets.token_hex(6).upper() + suffix
    body = {"activity": "newInstance", "orderId": oid, "orderLineId": oid + "-000001",
            "businessId": secrets.token_hex(16)}
    if debug:
        body["testFlag"] = "1"
    return body


def tenant_body(flag: int = 1, test_flag: int = 1, **over) -> dict:
    body = {"instanceId": "ISV-X", "orderId": "CS1", "tenantId": "t-1", "tenantCode": "acme",
            "name": "ACME", "domainName": "https://acme.example", "flag": flag, "testFlag": test_flag,
            "timeStamp": "20240101120000000"}
    body.update(over)
    return body


# ---- tests ----------------------------------------------------------------------------------

class CryptoVectors(unittest.TestCase):
    def test_client_matches_openssl_vectors(self):
        self.assertEqual(payload_of(V_BODY).decode(), V_PAYLOAD)
        self.assertEqual(sign_basic(V_KEY, V_NONCE, V_TS, payload_of(V_BODY)).lower(), V_BASIC_SIG)
        self.assertEqual(sign_kit(V_KEY, V_NONCE, V_TS, payload_of(V_KIT_BODY)).lower(), V_KIT_SIG)

    def test_server_functions_match_openssl_vectors(self):
        spec = importlib.util.spec_from_file_location("independent_seller", SELLER)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod          # dataclasses look their module up here
        try:
            spec.loader.exec_module(mod)
        finally:
            del sys.modules[spec.name]
        self.assertEqual(mod.canonical_payload(V_BODY).decode(), V_PAYLOAD)
        self.assertEqual(mod.basic_signature(V_KEY, V_NONCE, V_TS, mod.canonical_payload(V_BODY)), V_BASIC_SIG)
        self.assertEqual(mod.kit_signature(V_KEY, V_NONCE, V_TS, mod.canonical_payload(V_KIT_BODY)), V_KIT_SIG)

    @unittest.skipUnless(shutil.which("openssl"), "openssl not installed")
    def test_openssl_still_agrees(self):
        def openssl_hmac(key: str, data: bytes) -> str:
            out = subprocess.run(["openssl", "dgst", "-sha256", "-hmac", key, "-r"], input=data,
                                 capture_output=True, check=True).stdout
            return out.split()[0].decode()
        inner = openssl_hmac(V_KEY, V_PAYLOAD.encode())
        self.assertEqual(openssl_hmac(V_KEY, (V_KEY + V_NONCE + V_TS + inner).encode()), V_BASIC_SIG)


class GoodMode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Seller("--key", KEY, "--kit-key", KIT_KEY, "--license-code-key", CODE_KEY,
                       "--order-notify-key", NOTIFY_KEY)

    @classmethod
    def tearDownClass(cls):
        rc, rest = cls.s.stop()
        assert rc == 0, rc
        assert rest == b"", rest           # exactly one line on stdout

    def create(self, body=None) -> str:
        status, a = self.s.saas(body or new_order())
        self.assertEqual((status, a["resultCode"]), (200, "000000"), a)
        return a["instanceId"]

    # -- signatures --
    def test_signed_call_accepted(self):
        status, body, headers = self.s.post("/nowhere", b"{}")
        self.assertEqual(status, 404)
        status, a = self.s.saas(new_order())
        self.assertEqual(status, 200)
        self.assertEqual(a["resultCode"], "000000")
        self.assertRegex(a["instanceId"], ID_RE)
        self.assertTrue(a["traceId"])
        self.assertEqual(set(a), {"resultCode", "resultMsg", "instanceId", "traceId"})

    def test_lowercase_signature_and_raw_body_signature_accepted(self):
        b = new_order()
        ts, nonce = ms(), secrets.token_hex(8)
        sig = sign_basic(KEY, nonce, ts, payload_of(b)).lower()
        self.assertEqual(self.s.saas(b, ts=ts, nonce=nonce, sig=sig)[1]["resultCode"], "000000")
        raw = ('{ "orderLineId": "%s", "activity": "newInstance", "orderId": "%s", "businessId": "x" }'
               % (b["orderLineId"] + "9", b["orderId"])).encode()
        self.assertEqual(self.s.saas(None, raw=raw)[1]["resultCode"], "000000")

    def test_wrong_signature_refused(self):
        b = new_order()
        status, a = self.s.saas(b, key="not-the-key")
        self.assertEqual((status, a["resultCode"]), (401, "000001"))
        status, a = self.s.saas(b, sig="0" * 64)
        self.assertEqual((status, a["resultCode"]), (401, "000001"))
        # the signature of another body
        ts, nonce = ms(), secrets.token_hex(8)
        sig = sign_basic(KEY, nonce, ts, payload_of(dict(b, businessId="other")))
        self.assertEqual(self.s.saas(b, ts=ts, nonce=nonce, sig=sig)[0], 401)
        for missing in ("signature", "nonce", "timestamp"):
            status, a = self.s.saas(b, omit=(missing,))
            self.assertEqual((status, a["resultCode"]), (401, "000001"), missing)
        status, a = self.s.saas(b, ts="soon")
        self.assertEqual((status, a["resultCode"]), (400, "000002"))
        # the Kit key does not sign the basic interfaces
        self.assertEqual(self.s.saas(b, key=KIT_KEY)[0], 401)

    def test_replay_refused(self):
        b, nonce = new_order(), secrets.token_hex(8)
        self.assertEqual(self.s.saas(b, nonce=nonce)[1]["resultCode"], "000000")
        status, a = self.s.saas(b, nonce=nonce)
        self.assertEqual((status, a["resultCode"]), (401, "000001"))
        # also with a fresh timestamp and a new body
        status, a = self.s.saas(new_order(), nonce=nonce)
        self.assertEqual((status, a["resultCode"]), (401, "000001"))

    def test_time_window_both_directions(self):
        for offset in (90, -90, 3600):
            status, a = self.s.saas(new_order(), ts=ms(offset))
            self.assertEqual((status, a["resultCode"]), (401, "000001"), offset)
        for offset in (30, -30):
            self.assertEqual(self.s.saas(new_order(), ts=ms(offset))[1]["resultCode"], "000000", offset)

    # -- SaaS V2.0 --
    def test_resend_gets_same_instance(self):
        b = new_order(debug=False)
        first = self.create(b)
        self.assertEqual(self.create(dict(b, businessId="another-business-id")), first)
        self.assertNotEqual(first, b["businessId"])
        # concurrent resends
        with ThreadPoolExecutor(8) as ex:
            ids = set(ex.map(lambda i: self.create(dict(b, businessId=f"b{i}")), range(8)))
        self.assertEqual(ids, {first})
        # another order line is another instance
        self.assertNotEqual(self.create(dict(b, orderLineId=b["orderId"] + "-000002")), first)

    def test_query(self):
        a_id, b_id = self.create(), self.create()
        status, a = self.s.saas({"activity": "queryInstance", "instanceId": f"{a_id},ISV-UNKNOWN,{b_id}"})
        self.assertEqual((status, a["resultCode"]), (200, "000000"))
        self.assertEqual([i["instanceId"] for i in a["info"]], [a_id, b_id])
        app = a["info"][0]["appInfo"]
        self.assertEqual(set(app), {"frontEndUrl", "adminUrl", "userName", "password", "memo"})
        # only unknown IDs: success with an empty list
        status, a = self.s.saas({"activity": "queryInstance", "instanceId": "ISV-UNKNOWN"})
        self.assertEqual((status, a["resultCode"], a["info"]), (200, "000000", []))
        for bad in ("", ",", ",".join(f"ISV-{i}" for i in range(101))):
            status, a = self.s.saas({"activity": "queryInstance", "instanceId": bad})
            self.assertEqual((status, a["resultCode"]), (400, "000002"), bad[:20])
        self.assertEqual(self.s.saas({"activity": "queryInstance",
                                      "instanceId": ",".join([a_id] * 100)})[1]["resultCode"], "000000")

    def test_life_cycle_is_idempotent(self):
        iid = self.create()
        refresh = {"activity": "refreshInstance", "scene": "RENEWAL", "orderId": "CSR1",
                   "orderLineId": "CSR1-000001", "instanceId": iid, "expireTime": "20301124023618256",
                   "testFlag": "1"}
        calls = [
            refresh, refresh,
            {"activity": "updateInstanceStatus", "instanceId": iid, "status": "FREEZE"},
            {"activity": "updateInstanceStatus", "instanceId": iid, "status": "FREEZE"},
            {"activity": "updateInstanceStatus", "instanceId": iid, "status": "UNFREEZE"},
            {"activity": "upgradeInstance", "instanceId": iid, "orderId": "CSU1", "orderLineId": "CSU1-1"},
            {"activity": "upgradeInstance", "instanceId": iid, "orderId": "CSU1", "orderLineId": "CSU1-1"},
            {"activity": "changeInstanceCheck", "instanceId": iid, "productInfo": {"skuCode": "s"}},
            {"activity": "releaseInstance", "instanceId": iid},
            {"activity": "releaseInstance", "instanceId": iid, "orderId": "CSX"},
        ]
        for body in calls:
            status, a = self.s.saas(body)
            self.assertEqual((status, a["resultCode"]), (200, "000000"), body)
        q = self.s.saas({"activity": "queryInstance", "instanceId": iid})[1]
        self.assertEqual(q["info"], [])
        # probing: the saved debug cases are re-run in any order, after the release case; every
        # resend of an operation already processed succeeds again
        for body in reversed(calls):
            status, a = self.s.saas(body)
            self.assertEqual((status, a["resultCode"]), (200, "000000"), body)
        # a new operation on the released instance is refused
        self.assertEqual(self.s.saas(dict(refresh, orderId="CSR2"))[1]["resultCode"], "000003")
        self.assertEqual(self.s.saas({"activity": "upgradeInstance", "instanceId": iid, "orderId": "CSU2",
                                      "orderLineId": "CSU2-1"})[1]["resultCode"], "000003")

    def test_unknown_instance(self):
        for body in (
            {"activity": "refreshInstance", "scene": "RENEWAL", "orderId": "o", "orderLineId": "l",
             "instanceId": "ISV-NOPE", "expireTime": "20301124023618"},
            {"activity": "updateInstanceStatus", "instanceId": "ISV-NOPE", "status": "FREEZE"},
            {"activity": "upgradeInstance", "instanceId": "ISV-NOPE", "orderId": "o", "orderLineId": "l"},
            {"activity": "changeInstanceCheck", "instanceId": "ISV-NOPE", "productInfo": {}},
            {"activity": "releaseInstance", "instanceId": "ISV-NOPE"},
        ):
            status, a = self.s.saas(body)
            self.assertEqual((status, a["resultCode"]), (404, "000003"), body["activity"])

    def test_invalid_parameters(self):
        iid = self.create()
        for body in (
            {"activity": "newInstance", "orderId": "o", "businessId": "b"},                   # no orderLineId
            {"activity": "newInstance", "orderId": "o", "orderLineId": None, "businessId": "b"},
            {"activity": "newInstance", "orderId": 5, "orderLineId": "l", "businessId": "b"},
            {"activity": "updateInstanceStatus", "instanceId": iid, "status": "STOP"},
            {"activity": "refreshInstance", "scene": "LATER", "orderId": "o", "orderLineId": "l",
             "instanceId": iid, "expireTime": "20301124023618"},
            {"activity": "changeInstanceCheck", "instanceId": iid},
            {"activity": "launchRocket"},
            {"orderId": "o"},
            [1, 2],
        ):
            status, a = self.s.saas(body)
            self.assertEqual((status, a["resultCode"]), (400, "000002"), body)
        status, a = self.s.saas(None, raw=b"not json")
        self.assertEqual((status, a["resultCode"]), (400, "000002"))

    def test_unknown_fields_ignored_and_testflag_free(self):
        b = dict(new_order(), futureField={"x": [1, "é"]}, testFlag="0")
        self.assertRegex(self.s.saas(b)[1]["instanceId"], ID_RE)
        self.assertRegex(self.s.saas(dict(new_order(), testFlag=7))[1]["instanceId"], ID_RE)

    # -- Kit V2 --
    def test_kit(self):
        status, a = self.s.kit("tenantSync", tenant_body())
        self.assertEqual((status, a["resultCode"]), (200, "000000"))
        self.assertEqual(set(a), {"resultCode", "resultMsg", "traceId"})
        for flag in (1, 1, 2, 0, 0):
            status, a = self.s.kit("tenantSync", tenant_body(flag))
            self.assertEqual((status, a["resultCode"]), (200, "000000"), flag)
        self.assertEqual(self.s.kit("tenantSync", tenant_body(instanceId="", orderId=""))[1]["resultCode"], "000000")
        status, a = self.s.kit("tenantSync", tenant_body(), key=KEY)
        self.assertEqual((status, a["resultCode"]), (401, "000001"))
        status, a = self.s.kit("tenantSync", tenant_body(), ts=ms(120))
        self.assertEqual((status, a["resultCode"]), (401, "000001"))
        nonce = secrets.token_hex(8)
        self.assertEqual(self.s.kit("tenantSync", tenant_body(), nonce=nonce)[0], 200)
        self.assertEqual(self.s.kit("tenantSync", tenant_body(), nonce=nonce)[0], 401)
        for bad in (tenant_body(flag="1"), tenant_body(flag=7), tenant_body(tenantId=None)):
            status, a = self.s.kit("tenantSync", bad)
            self.assertEqual((status, a["resultCode"]), (400, "000002"), bad)
        app = {"instanceId": "ISV-X", "tenantId": "t-1", "appId": "a-1", "clientId": "c",
               "clientSecret": "BASE64CIPHERTEXT==", "flag": 1, "testFlag": 1, "timeStamp": "20240101120000000"}
        self.assertEqual(self.s.kit("applicationSync", app)[1]["resultCode"], "000000")
        user = {"userName": "zhangsan", "name": "张三", "orgCode": "10", "role": "user", "enable": "true"}
        auth = {"instanceId": "ISV-X", "tenantId": "t-1", "appId": "a-1", "userList": [user],
                "currentSyncTime": "20240101120000000", "flag": 1, "testFlag": 1, "timeStamp": "20240101120000000"}
        for flag in (1, 1, 3, 0, 0):
            self.assertEqual(self.s.kit("authSync", dict(auth, flag=flag))[1]["resultCode"], "000000", flag)
        org = {"instanceId": "ISV-X", "tenantId": "t-1", "orgCode": "10", "orgName": "R&D", "flag": 1,
               "testFlag": 1, "timeStamp": "20240101120000000"}
        self.assertEqual(self.s.kit("singleOrgSync", org)[1]["resultCode"], "000000")
        full = {"instanceId": "ISV-X", "tenantId": "t-1", "testFlag": 1, "timeStamp": "20240101120000000",
                "orgInfoList": [{"orgCode": "10", "orgName": "R&D"}, {"orgCode": "11", "orgName": "QA", "parentCode": "10"}]}
        self.assertEqual(self.s.kit("allOrgSync", full)[1]["resultCode"], "000000")

    # -- other families --
    def test_license_codes(self):
        code = "PL" + secrets.token_hex(4).upper()
        refresh = {"activity": "refreshLicenseCode", "scene": "RENEWAL", "orderId": "o", "orderLineId": "l",
                   "license": code, "expireTime": "20300523201932", "testFlag": "1"}
        for body in (refresh, refresh,
                     {"activity": "updateLicenseCodeStatus", "license": code, "status": "FREEZE"},
                     {"activity": "releaseLicenseCode", "license": code},
                     {"activity": "releaseLicenseCode", "license": code}):
            status, a = self.s.basic("/license-code", body, key=CODE_KEY)
            self.assertEqual((status, a["resultCode"]), (200, "000000"), body)
        self.assertEqual(self.s.basic("/license-code", refresh, key=CODE_KEY)[1]["resultCode"], "000000")
        self.assertEqual(self.s.basic("/license-code", dict(refresh, orderId="o2"), key=CODE_KEY)[1]["resultCode"],
                         "000003")
        self.assertEqual(self.s.basic("/license-code", refresh, key=KEY)[0], 401)
        self.assertEqual(self.s.basic("/license-code", dict(refresh, scene="TRIAL_TO_FORMAL"),
                                      key=CODE_KEY)[1]["resultCode"], "000002")

    def test_online_license(self):
        b = new_order()
        status, a = self.s.basic("/license", b)
        self.assertEqual(a["resultCode"], "000000")
        iid = a["instanceId"]
        self.assertRegex(iid, r"^LIC-[0-9A-F]{24}$")
        self.assertEqual(self.s.basic("/license", dict(b, businessId="again"))[1]["instanceId"], iid)
        get = {"activity": "getLicenseAsync", "instanceId": iid, "effectiveTime": "2023-10-27 10:30:15 z",
               "eventId": "ev1", "deviceFingerprint": "fp"}
        self.assertEqual(self.s.basic("/license", get)[1]["resultCode"], "000000")
        self.assertEqual(self.s.basic("/license", get)[1]["resultCode"], "000000")
        self.assertEqual(self.s.basic("/license", {"activity": "queryInstance", "instanceId": iid})[1]["resultCode"],
                         "000002")
        self.assertEqual(self.s.basic("/license", {"activity": "releaseInstance", "instanceId": iid})[1]["resultCode"],
                         "000000")

    def test_order_notify(self):
        body = {"activity": "orderNotify", "orderId": "CS1", "orderLineId": "CS1-000001", "testFlag": "1"}
        for _ in range(2):
            status, a = self.s.basic("/order-notify", body, key=NOTIFY_KEY)
            self.assertEqual((status, a["resultCode"]), (200, "000000"))
        self.assertEqual(self.s.basic("/order-notify", body, key=KEY)[0], 401)


class SampleMode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Seller("--key", KEY, "--kit-key", KIT_KEY, "--mode", "sample")

    @classmethod
    def tearDownClass(cls):
        assert cls.s.stop()[0] == 0

    def test_new_instance_is_business_id(self):
        b = new_order()
        status, a = self.s.saas(b)
        self.assertEqual((status, a), (200, {"resultCode": "000000", "resultMsg": "success.",
                                             "instanceId": b["businessId"]}))
        self.assertEqual(self.s.saas(dict(b, businessId="resent"))[1]["instanceId"], "resent")

    def test_replay_and_future_timestamp_accepted(self):
        b, nonce = new_order(), secrets.token_hex(8)
        self.assertEqual(self.s.saas(b, nonce=nonce)[1]["resultCode"], "000000")
        self.assertEqual(self.s.saas(b, nonce=nonce)[1]["resultCode"], "000000")
        self.assertEqual(self.s.saas(b, ts=ms(3600))[1]["resultCode"], "000000")
        self.assertEqual(self.s.kit("tenantSync", tenant_body(), ts=ms(3600))[1]["resultCode"], "000000")

    def test_refusals_are_http_200(self):
        b = new_order()
        self.assertEqual(self.s.saas(b, ts=ms(-90)), (200, {"resultCode": "000002", "resultMsg": "param is invalid",
                                                            "instanceId": None}))
        self.assertEqual(self.s.saas(b, omit=("nonce",))[1]["resultCode"], "000002")
        self.assertEqual(self.s.saas(b, key="wrong"), (200, {"resultCode": "000001", "resultMsg": "token is invalid",
                                                             "instanceId": None}))
        self.assertEqual(self.s.saas(b, omit=("signature",))[1]["resultCode"], "000001")
        self.assertEqual(self.s.saas({"activity": "nope"})[1]["resultCode"], "000002")
        self.assertEqual(self.s.kit("tenantSync", tenant_body(), key=KEY), (200, {
            "resultCode": "000001", "resultMsg": "token is invalid", "instanceId": None}))

    def test_answers_with_nulls(self):
        status, a = self.s.saas({"activity": "queryInstance", "instanceId": "never-created,x", "testFlag": "1"})
        self.assertEqual(a["resultCode"], "000000")
        self.assertIsNone(a["instanceId"])
        self.assertEqual([i["instanceId"] for i in a["info"]], ["never-created", "x"])
        self.assertEqual(a["info"][0]["appInfo"]["userName"], "hwadmin")
        self.assertEqual(self.s.saas({"activity": "queryInstance", "instanceId": ""})[1],
                         {"resultCode": "000002", "resultMsg": "param is invalid", "instanceId": None, "info": None})
        expected = {"resultCode": "000000", "resultMsg": "success.", "instanceId": None}
        for act in ("upgradeInstance", "changeInstanceCheck", "releaseInstance"):
            self.assertEqual(self.s.saas({"activity": act, "instanceId": "whatever"}), (200, expected), act)
        self.assertEqual(self.s.kit("authSync", {"anything": 1}), (200, expected))
        # the other families keep the good logic but answer like the sample
        status, a = self.s.basic("/license-code", {"activity": "releaseLicenseCode", "license": "PL1"})
        self.assertEqual(a, expected)
        status, a = self.s.basic("/license", {"activity": "refreshInstance", "scene": "RENEWAL", "orderId": "o",
                                              "orderLineId": "l", "instanceId": "nope", "expireTime": "20300101000000"})
        self.assertEqual((status, a["resultCode"], a["instanceId"]), (200, "000003", None))


class Broken(unittest.TestCase):
    def test_new_id_on_resend(self):
        s = Seller("--key", KEY, "--broken", "new-id-on-resend")
        try:
            b = new_order()
            first = s.saas(b)[1]["instanceId"]
            second = s.saas(dict(b, businessId="again"))[1]["instanceId"]
            self.assertRegex(first, ID_RE)
            self.assertRegex(second, ID_RE)
            self.assertNotEqual(first, second)
        finally:
            self.assertEqual(s.stop()[0], 0)

    def test_production_000005(self):
        s = Seller("--key", KEY, "--broken", "production-000005")
        try:
            self.assertEqual(s.saas(new_order(debug=True))[1]["resultCode"], "000000")
            for flag in (None, "0"):
                b = new_order(debug=False)
                if flag:
                    b["testFlag"] = flag
                status, a = s.saas(b)
                self.assertEqual((status, a["resultCode"]), (500, "000005"))
            self.assertEqual(s.kit("tenantSync", tenant_body(test_flag=0), key=KEY)[1]["resultCode"], "000005")
            self.assertEqual(s.kit("tenantSync", tenant_body(test_flag=1), key=KEY)[1]["resultCode"], "000000")
            body = {"activity": "orderNotify", "orderId": "o", "orderLineId": "l", "testFlag": "0"}
            self.assertEqual(s.basic("/order-notify", body)[1]["resultCode"], "000005")
            # authentication still comes first
            self.assertEqual(s.saas(new_order(debug=False), key="wrong")[1]["resultCode"], "000001")
        finally:
            self.assertEqual(s.stop()[0], 0)

    def test_forged_signature(self):
        s = Seller("--key", KEY, "--broken", "forged-signature")
        try:
            self.assertEqual(s.saas(new_order(), key="wrong")[1]["resultCode"], "000000")
            self.assertEqual(s.saas(new_order(), omit=("signature",))[1]["resultCode"], "000000")
            self.assertEqual(s.kit("tenantSync", tenant_body(), sig="00")[1]["resultCode"], "000000")
            nonce = secrets.token_hex(8)
            self.assertEqual(s.saas(new_order(), nonce=nonce, key="wrong")[1]["resultCode"], "000000")
            self.assertEqual(s.saas(new_order(), nonce=nonce, key="wrong")[1]["resultCode"], "000001")
            self.assertEqual(s.saas(new_order(), ts=ms(-90))[1]["resultCode"], "000001")
        finally:
            self.assertEqual(s.stop()[0], 0)


if __name__ == "__main__":
    unittest.main()
