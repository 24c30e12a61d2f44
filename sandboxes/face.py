"""A stand-in for the face and liveness provider, over HTTP on loopback.

Modelled on the provider pattern Alipay and Alibaba Cloud use: the server starts
a session, the citizen completes it on their phone, and the server then asks
the provider for the result.

    POST /v1/face/sessions                      201 {"session_id", "complete_url"}
    POST /v1/face/sessions/{id}/complete        {"outcome": "pass" | "no_match" | "spoof"}
                                                (what the citizen's phone would do)
    GET  /v1/face/sessions/{id}                 {"status": "pending"} or
        {"status": "completed", "outcome", "match_score", "risk_score"}

Sessions live in the sandbox process's memory, like a provider's short-lived state.
"""

import json
import uuid

from werkzeug.wrappers import Request, Response

SCORES = {"pass": (0.97, 0.02), "no_match": (0.31, 0.05), "spoof": (0.88, 0.96)}
PREFIX = "/v1/face/sessions"


def make_app(base_url: str):
    sessions: dict[str, dict] = {}

    def reply(status, payload, environ, start_response):
        return Response(json.dumps(payload), status=status,
                        mimetype="application/json")(environ, start_response)

    def app(environ, start_response):
        request = Request(environ)
        parts = request.path.removeprefix(PREFIX).strip("/").split("/")
        if request.method == "POST" and parts == [""]:
            session_id = uuid.uuid4().hex
            sessions[session_id] = {"status": "pending"}
            return reply(201, {"session_id": session_id,
                               "complete_url": f"{base_url}{PREFIX}/{session_id}/complete"},
                         environ, start_response)
        session = sessions.get(parts[0])
        if session is None:
            return reply(404, {"error": "no such session"}, environ, start_response)
        if request.method == "GET" and len(parts) == 1:
            return reply(200, session, environ, start_response)
        if request.method == "POST" and parts[1:] == ["complete"]:
            try:
                outcome = json.loads(request.get_data())["outcome"]
                match_score, risk_score = SCORES[outcome]
            except (ValueError, KeyError, TypeError):
                return reply(400, {"error": "outcome must be pass, no_match or spoof"},
                             environ, start_response)
            session.update(status="completed", outcome=outcome, match_score=match_score,
                           risk_score=risk_score)
            return reply(200, {"status": "completed"}, environ, start_response)
        return reply(404, {"error": "no such route"}, environ, start_response)

    return app
