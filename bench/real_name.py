"""The real-name check under load: signed POST /v1/citizens/{id}/real-name at a
constant rate, each for a different citizen already at level 1.

    python -m bench.real_name --rate 50 --duration 30

Setup (not measured): registers rate x duration citizens and confirms their phones,
reading the codes from the SMS sandbox's log (var/sandbox/sms.jsonl, so run it on the
machine that runs `make up`). Measured: one real-name check per citizen with a
well-formed ID number the sandbox registry does not hold, so every request does the
whole check (format, lockout count, uniqueness, a registry round trip over HTTP, the
failure record and its event) and answers 422 identity_not_found. The sandbox has
only two matching people, and each can back one citizen per partner, so a load of
successful checks cannot be made from it.
"""

import json
import random
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.load import Connections, run_open_loop, scenario_arguments, store
from gateway.signing import signed_headers

NOT_HELD = "310115198001011238"


def post(connections, app_id, secret, path, body):
    raw = json.dumps(body).encode()
    headers = signed_headers(app_id, secret, "POST", path, raw)
    headers["Content-Type"] = "application/json"
    status, answer = connections.request("POST", path, raw, headers)
    return status, json.loads(answer) if answer else None


def prepare(connections, app_id, secret, count: int, sms_log: Path) -> list[str]:
    run = uuid.uuid4().hex[:6]
    prefix = f"+86137{random.randrange(100):02d}"
    phones = [f"{prefix}{n:06d}" for n in range(count)]

    def register(n):
        status, citizen = post(connections, app_id, secret, "/v1/citizens",
                               {"partner_user_id": f"rn-{run}-{n}", "phone": phones[n],
                                "locale": "en"})
        path = f"/v1/citizens/{citizen['citizen_id']}/phone-verifications"
        post(connections, app_id, secret, path, {})
        return citizen["citizen_id"]

    with ThreadPoolExecutor(16) as pool:
        citizens = list(pool.map(register, range(count)))
    codes = {}
    for line in sms_log.read_text(encoding="utf-8").splitlines():
        message = json.loads(line)
        codes[message["to"]] = re.search(r"\b(\d{6})\b", message["text"]).group(1)

    def confirm(n):
        path = f"/v1/citizens/{citizens[n]}/phone-verifications/confirm"
        status, _ = post(connections, app_id, secret, path, {"code": codes[phones[n]]})
        assert status == 200, status

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(confirm, range(count)))
    return citizens


def main() -> None:
    parser = scenario_arguments(__doc__, rate=50, duration=30)
    parser.add_argument("--sms-log", type=Path, default=Path("var/sandbox/sms.jsonl"))
    args = parser.parse_args()

    connections = Connections(args.url)
    citizens = prepare(connections, args.app_id, args.secret, int(args.rate * args.duration),
                       args.sms_log)

    def task(index):
        path = f"/v1/citizens/{citizens[index]}/real-name"
        status, body = post(connections, args.app_id, args.secret, path,
                            {"name": "赵六", "id_number": NOT_HELD})
        ok = status == 422 and body["error"]["code"] == "identity_not_found"
        return status, ok, {}

    result = run_open_loop(task, args.rate, args.duration, workers=32)
    result.pop("outcomes")
    store({"scenario": "real-name", **result})


if __name__ == "__main__":
    main()
