"""Local fakes of the Alibaba Cloud and Tencent Cloud SMS HTTP APIs, for the adapters' tests.

Each listens on 127.0.0.1 with a free port, records what arrived (decoded the way the real API reads
it) and answers from a script: "ok" (the default), "error" (the provider's own error answer) or "hang"
(no answer until the client gives up: the outcome-unknown case).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class _FakeProvider:
    def __init__(self):
        self.received = []  # one dict per SendSms request
        self.script = []  # answers to give, in order; "ok" once empty
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self):
        return f"127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def next_answer(self):
        return self.script.pop(0) if self.script else "ok"

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = fake.decode(self, body)
                fake.received.append(request)
                answer = fake.next_answer()
                if answer == "hang":
                    time.sleep(3)
                status, payload = fake.answer(answer, request, len(fake.received))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass  # the client already gave up ("hang")

        return Handler


class FakeAliyun(_FakeProvider):
    """dysmsapi 2017-05-25 SendSms: RPC style, parameters in the query string and/or form body."""

    def decode(self, handler, body):
        params = dict(parse_qsl(urlsplit(handler.path).query))
        params.update(parse_qsl(body.decode()))
        return params

    def answer(self, answer, request, n):
        if answer == "error":
            return 200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控", "RequestId": f"req-{n}"}
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"biz-{n}", "RequestId": f"req-{n}"}


class FakeTencent(_FakeProvider):
    """sms 2021-01-11 SendSms: TC3-signed JSON POST, action in the X-TC-Action header."""

    def decode(self, handler, body):
        payload = json.loads(body or b"{}")
        payload["_action"] = handler.headers.get("X-TC-Action")
        payload["_authorization"] = handler.headers.get("Authorization", "")
        return payload

    def answer(self, answer, request, n):
        if answer == "error":
            error = {
                "Code": "LimitExceeded.PhoneNumberThirtySecondLimit",
                "Message": "单个手机号30秒内下发短信条数超过设定的上限",
            }
            return 200, {"Response": {"Error": error, "RequestId": f"req-{n}"}}
        statuses = [
            {
                "SerialNo": f"serial-{n}",
                "PhoneNumber": phone,
                "Fee": 1,
                "SessionContext": request.get("SessionContext", ""),
                "Code": "Ok",
                "Message": "send success",
                "IsoCode": "CN",
            }
            for phone in request.get("PhoneNumberSet", [])
        ]
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": f"req-{n}"}}
