"""Bodies with a key twice and queries with a parameter twice are refused, not read.

JSON leaves a repeated key's meaning to the parser (RFC 8259 4: names "SHOULD be
unique"): pydantic takes the last, many validators, WAFs and signing libraries the
first. A partner's checks and ours would then approve different requests from the
same bytes, so neither reading is safe. The same holds for `limit=1&limit=2`.
"""

import json
import typing

from contracts.errors import InvalidInput


class _RepeatedKey(Exception):
    def __init__(self, key: str):
        self.key = key


def refuse_repeated_keys(data: bytes) -> None:
    """422 duplicate_key naming the first key an object of `data` holds twice (the
    innermost object's first, as the parser closes it). Bytes that are not JSON pass:
    the body's own parser says what is wrong with them."""
    # The standard library's parser, for the one hook pydantic's lacks: every object's
    # pairs in order. A second parse of a body under 64 KiB costs microseconds.
    try:
        json.loads(data, object_pairs_hook=_unique)
    except _RepeatedKey as repeated:
        raise InvalidInput("this key appears more than once in the body", repeated.key,
                           "duplicate_key") from None
    except (ValueError, RecursionError):
        return


def _unique(pairs) -> dict:
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise _RepeatedKey(key)
        seen.add(key)
    return dict(pairs)


def single_parameters(args, model) -> dict:
    """The query as {name: value}, or 422 duplicate_key naming a parameter sent twice
    that the model does not take as a list."""
    lists = {field.alias or name for name, field in model.model_fields.items()
             if typing.get_origin(field.annotation) is list}
    for name in args:
        if name not in lists and len(args.getlist(name)) > 1:
            raise InvalidInput("this parameter appears more than once in the query", name,
                               "duplicate_key")
    return {name: (args.getlist(name) if name in lists else args[name]) for name in args}
