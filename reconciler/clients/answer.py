"""How an API answer that fails its model is described: a location and pydantic's words."""

from __future__ import annotations

from pydantic import ValidationError

from reconciler import printable


def problem(exc: ValidationError) -> str:
    """The first validation error as ``<path>: <what>``, e.g. ``data[1].attributes: Field
    required``. Only locations and pydantic's own wording: never the value the API sent (it
    may be huge, hold control characters or echo a secret)."""
    first = exc.errors(include_url=False, include_input=False)[0]
    path = ""
    for part in first["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    count = exc.error_count()
    more = f" (and {count - 1} more problems)" if count > 1 else ""
    return printable.printable(f"{path or 'body'}: {first['msg']}{more}")
