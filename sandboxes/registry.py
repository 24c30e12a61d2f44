"""A stand-in for the population registry, spoken to over HTTP on loopback.

The real registry belongs to another organisation; this sandbox behaves like it
for development and tests, including its failures. Its people are synthetic
and live in its own file (var/sandbox/registry.json), apart from our data.

    POST /v1/identity-checks   {"name": "...", "id_number": "..."}
    200 {"result": "match" | "mismatch" | "not_found"}
    503 {"error": "unavailable"}        for the outage test identity below

Test identities (documented in README.md):
    张三  11010519491231002X   match
    李四  440524188001010014   match
    any well-formed number not listed, e.g. 310115198001011238: not_found
    a listed number with another name: mismatch
    王五  11010119900307803X   the registry answers 503 (an outage)
"""

import json
from pathlib import Path

from werkzeug.wrappers import Request, Response

PEOPLE = {
    "11010519491231002X": "张三",
    "440524188001010014": "李四",
    "11010119900307803X": "王五",
}
OUTAGE_ID_NUMBER = "11010119900307803X"


def load_people(data_file: Path) -> dict[str, str]:
    if not data_file.exists():
        data_file.parent.mkdir(parents=True, exist_ok=True)
        data_file.write_text(json.dumps(PEOPLE, ensure_ascii=False, indent=2))
    return json.loads(data_file.read_text())


def answer(people: dict[str, str], name: str, id_number: str) -> tuple[int, dict]:
    if id_number == OUTAGE_ID_NUMBER:
        return 503, {"error": "unavailable"}
    if id_number not in people:
        return 200, {"result": "not_found"}
    return 200, {"result": "match" if people[id_number] == name else "mismatch"}


def make_app(data_file: Path):
    people = load_people(data_file)

    def app(environ, start_response):
        request = Request(environ)
        try:
            body = json.loads(request.get_data())
            status, payload = answer(people, str(body["name"]), str(body["id_number"]))
        except (ValueError, KeyError, TypeError):
            status, payload = 400, {"error": "bad_request"}
        response = Response(json.dumps(payload, ensure_ascii=False), status=status,
                            mimetype="application/json")
        return response(environ, start_response)

    return app

