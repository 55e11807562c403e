"""The state journal: completed operations recorded one by one beside the state, so that a
write costs what the change costs, not what the whole state costs.

Each record is one line: the SHA-256 of its JSON, a space, the JSON (``lineage``, ``serial``,
``address``, ``entry``, ``moved_from``), a newline. Records hold exactly what the state would
hold for the address (secrets as digests, never values). Record ``serial`` numbers continue
the state's: the first record of a journal is the state's serial + 1, each next one + 1.

Reading a state replays its journal (``replay``). Folding writes the replayed state and drops
the journal; a journal whose records are all already in the state (a fold interrupted after
the state was written) is recognised and dropped too. Everything else that does not fit is an
error naming the file (and line): a journal of another lineage, one that does not start where
the state ends, a corrupt record. The one exception is a last line without its newline: a
record torn by a kill in the middle of an append, never acknowledged, so never relied on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from reconciler.errors import StateError
from reconciler.state.base import Operation, ResourceState, State
from reconciler.state.codec import decode_state, refuse_value


@dataclass(frozen=True)
class Record:
    lineage: str
    serial: int
    operation: Operation
    where: str  # file:line or object name, for messages


def encode_record(lineage: str, serial: int, op: Operation) -> bytes:
    """One journal line, newline included."""
    body = {
        "lineage": lineage,
        "serial": serial,
        "address": op.address,
        "entry": None if op.entry is None else op.entry.model_dump(),
        "moved_from": op.moved_from,
    }
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"), default=refuse_value)
    data = payload.encode()
    return hashlib.sha256(data).hexdigest().encode() + b" " + data + b"\n"


def decode_record(line: bytes, where: str) -> Record:
    """One complete line (without its newline); a ``StateError`` naming ``where`` otherwise."""
    check, _, payload = line.partition(b" ")
    if len(check) != 64 or hashlib.sha256(payload).hexdigest().encode() != check:
        raise StateError("corrupt journal record: checksum mismatch", file=where)
    try:
        raw: Any = json.loads(payload)
        if not isinstance(raw, dict) or set(raw) != {
            "lineage",
            "serial",
            "address",
            "entry",
            "moved_from",
        }:
            raise ValueError
        lineage, serial, address, moved = (
            raw["lineage"],
            raw["serial"],
            raw["address"],
            raw["moved_from"],
        )
        if not (isinstance(lineage, str) and isinstance(address, str) and address):
            raise ValueError
        if type(serial) is not int or serial < 1:
            raise ValueError
        if moved is not None and not isinstance(moved, str):
            raise ValueError
        entry = None if raw["entry"] is None else ResourceState.model_validate(raw["entry"])
    except (ValueError, ValidationError, RecursionError):
        raise StateError("corrupt journal record: not a journal entry", file=where) from None
    return Record(lineage, serial, Operation(address, entry, moved), where)


def decode_lines(data: bytes, where: str) -> tuple[list[Record], int]:
    """The records of a journal file and the length of its complete part: a last line
    without its newline (torn by a kill mid-append) is left out; any other bad line is an
    error naming ``where:<line>``."""
    records = []
    complete = data.rfind(b"\n") + 1
    for number, line in enumerate(data[:complete].split(b"\n")[:-1], start=1):
        records.append(decode_record(line, f"{where}:{number}"))
    return records, complete


@dataclass
class Replayed:
    state: State | None  # None: no state was ever written
    pending: int  # records not yet in the state file (applied to ``state``)
    # The bytes of the journal read (None: there was none). A fold drops the journal, with
    # records or only a torn one, if it still holds just these bytes.
    journal_size: int | None = None


def replay_stored(data: bytes | None, records: list[Record], where: str, journal: str) -> Replayed:
    """The stored state ``data`` (named ``where``; None: none) with the journal's
    ``records`` (named ``journal``) replayed."""
    if data is None:
        if records:
            raise StateError(
                f"a journal of {len(records)} operation(s) but no state {where} to apply it "
                "to; restore the state (or its .backup), or move the journal aside",
                file=journal,
            )
        return Replayed(None, 0)
    return replay(decode_state(data, where), records, journal)


def replay(state: State, records: list[Record], where: str) -> Replayed:
    """``state`` (as stored) with ``records`` applied, checked to belong to it."""
    if not records:
        return Replayed(state, 0)
    first = records[0].serial
    for offset, record in enumerate(records):
        if record.lineage != state.lineage:
            raise StateError(
                f"the journal belongs to a state of lineage {record.lineage}, not to this "
                f"state (lineage {state.lineage}); move it aside after checking it",
                file=record.where,
            )
        if record.serial != first + offset:
            raise StateError(
                f"journal record has serial {record.serial}, expected {first + offset}: "
                "records are missing between them (a partly removed journal?); check what "
                "the records hold against the state, then move the journal aside",
                file=record.where,
            )
    last = records[-1].serial
    if first == state.serial + 1:
        folded = state.model_copy(update={"resources": dict(state.resources)})
        for record in records:
            record.operation.apply(folded)
        folded.serial = last
        return Replayed(folded, len(records))
    if last == state.serial and _already_in(state, records):
        return Replayed(state, 0)
    raise StateError(
        f"the journal holds serials {first} to {last}, but the state is at serial "
        f"{state.serial}: it does not continue this state (written by another run, or the "
        "state replaced since?); move it aside after checking it",
        file=where,
    )


def _already_in(state: State, records: list[Record]) -> bool:
    """Whether applying ``records`` again changes nothing: the fold that wrote ``state``
    was interrupted before it removed the journal."""
    again = state.model_copy(update={"resources": dict(state.resources)})
    for record in records:
        record.operation.apply(again)
    return again.resources == state.resources
