"""An application's workflow: which side may take which action in which state, where
it goes, and whose clock runs there (eGov DIGIT's workflow service, as data).

The workflows are data (`workflows.yaml`): a default that every application follows,
and a service's own states and actions laid over it where that service differs (a
residence permit is collected in person after it is approved). `Workflow.act` answers
the one question a use case asks: may this side take this action now, and where does
it lead? Everything else about an application (its corrections, its deadlines) is
decided by the rules beside it.

"Tell once" (一次性告知): when an agency sends an application back, it lists
everything that is missing at once. It may send it back again only for what was on
that first list and is still not right; asking for something new is refused, because
the citizen was owed it the first time.
"""

from dataclasses import dataclass

from contracts.errors import Conflict, Forbidden, InvalidInput

SIDES = ("citizen", "agency", "hub")
SERVICE_SLA = "service"  # a state's time limit is the catalogue's sla_days


@dataclass(frozen=True)
class State:
    name: str
    final: bool = False
    owner: str | None = None  # whose move it is: the clock runs against them
    sla: int | str | None = None  # working days, or SERVICE_SLA
    expires: str | None = None  # the hub's action once the owner let the time pass


@dataclass(frozen=True)
class Action:
    name: str
    by: str
    sources: tuple[str, ...]
    to: str


@dataclass(frozen=True)
class Workflow:
    start: str
    states: dict[str, State]
    actions: dict[str, Action]

    def act(self, state: str, action: str, side: str) -> str:
        """The state `action`, taken by `side` in `state`, leads to; a clear refusal
        (the one error shape) if it may not be taken."""
        found = self.actions.get(action)
        if found is None:
            raise InvalidInput(f"action must be one of: {', '.join(self.actions)}",
                               field="action", code="unknown_action")
        if found.by != side:
            raise Forbidden(f"only the {found.by} may {action} an application",
                            field="action", code="not_your_action")
        if state not in found.sources:
            raise Conflict(f"{action} is not possible for an application that is {state}",
                           field="action", code="not_allowed_now")
        return found.to

    def time_limit(self, state: str, service_sla_days: int) -> int | None:
        """Working days the state's owner has, or None where no clock runs."""
        sla = self.states[state].sla
        return service_sla_days if sla == SERVICE_SLA else sla

    def waiting_for(self, state: str) -> list[str]:
        """The actions that can be taken in `state`."""
        return [a.name for a in self.actions.values() if state in a.sources]


APPLICATION = "application"


def build(definitions: dict, service: str | None = None,
          kind: str = APPLICATION) -> Workflow:
    """The workflow of an application for `service` (the default with the service's
    own laid over it), or of a matter the hub follows (`kind`: payment, appointment)."""
    base = definitions["default"] if kind == APPLICATION else definitions["kinds"][kind]
    own = (definitions.get("services", {}).get(service) or {}) if kind == APPLICATION else {}
    merged = {key: {**base[key], **own.get(key, {})} for key in ("states", "actions")}
    states = {name: State(name, bool(s.get("final")), s.get("owner"), s.get("sla"),
                          s.get("expires"))
              for name, s in merged["states"].items()}
    actions = {name: Action(name, a["by"], tuple(a["from"]), a["to"])
               for name, a in merged["actions"].items()}
    return Workflow(base["start"], states, actions)


def problems(workflow: Workflow) -> list[str]:
    """What makes a workflow unusable: an action by no known side, from or to a state
    it does not have, a state nothing leads out of that is not final, or one that
    cannot be reached."""
    found = []
    for action in workflow.actions.values():
        if action.by not in SIDES:
            found.append(f"{action.name}: taken by {action.by!r}, not one of {SIDES}")
        for state in (*action.sources, action.to):
            if state not in workflow.states:
                found.append(f"{action.name}: no state {state!r}")
    for state in workflow.states.values():
        leaving = [a for a in workflow.actions.values() if state.name in a.sources]
        if not state.final and not leaving:
            found.append(f"{state.name}: not final, and no action leaves it")
        if state.expires is not None and state.expires not in [
                a.name for a in leaving if a.by == "hub"]:
            found.append(f"{state.name}: expires by {state.expires!r}, which is not the "
                         "hub's action from it")
        if state.final and leaving:
            found.append(f"{state.name}: final, yet {leaving[0].name} leaves it")
        reached = state.name == workflow.start or any(
            a.to == state.name for a in workflow.actions.values())
        if not reached:
            found.append(f"{state.name}: no action leads to it")
    return found


def check_corrections(asked: list[str], first_list: list[str] | None) -> list[str]:
    """The items an agency sends an application back for, refused if the list is empty
    or, after the first send-back, if it names anything the first list did not."""
    items = sorted({item.strip() for item in asked if item and item.strip()})
    if not items:
        raise InvalidInput("list everything that is missing, at once",
                           field="items", code="corrections_empty")
    if first_list is not None:
        new = [item for item in items if item not in first_list]
        if new:
            raise Conflict("tell once: the first send-back had to list everything; "
                           f"not on it: {', '.join(new)}", field="items",
                           code="not_on_first_list")
    return items
