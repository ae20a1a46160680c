"""Checking a workflow's claim that groups of parties are interchangeable, and laying out
the bit blocks of :class:`~.symmetry.Symmetry` for it.

``Workflow.symmetric`` names the groups (``((mp-1, s-1), (mp-2, s-2), ...)``).  Reduction is
only sound when swapping two groups whole maps every run to a run, so before reducing the
engine checks what it can of that claim on the *compiled* system and refuses (InvalidModel,
naming the element) otherwise:

* the i-th parties of all groups have identical chart tables (configurations, events, moves,
  finality, transient statuses, transitions' sources, targets, actors);
* corresponding transitions' guards run the same code (``__code__``; closures over each
  group's names are the intended way) with the same polarity;
* corresponding transitions send corresponding messages (the same position on corresponding
  channels, so the codec gives them the same symbol), and timers correspond;
* every channel either joins two parties of one group or two parties outside every group.

What it cannot check — that a guard or property of a party *outside* the groups treats the
groups alike — stays the model's promise (the VTEX group's only outside party, the payment,
reads no group).  Block ``b`` is group ``b``'s party fields, then its channels, ordered by
(sender's, receiver's) position in the group, so every block has the same field widths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .protocol import InvalidModel
from .symmetry import Symmetry

if TYPE_CHECKING:
    from .system import TransitionSystem

__all__ = ["symmetry_of"]

WHERE = "Workflow.symmetric"


def symmetry_of(system: TransitionSystem) -> Symmetry:
    """The blocks of ``system.workflow.symmetric``, after checking the claim."""
    groups = system.workflow.symmetric
    if len(groups) < 2:
        raise InvalidModel(WHERE, f"{system.workflow.name} declares no interchangeable party "
                                  "groups (at least two are needed)",
                           "drop --symmetry, or declare Workflow.symmetric")
    index = system.party_index
    seen: set[str] = set()
    for g in groups:
        for name in g:
            if name not in index:
                raise InvalidModel(WHERE, f"unknown party {name!r}",
                                   f"parties are {sorted(index)}")
            if name in seen:
                raise InvalidModel(WHERE, f"party {name!r} is in two groups")
            seen.add(name)
        if len(g) != len(groups[0]):
            raise InvalidModel(WHERE, f"group {g} has {len(g)} parties, group {groups[0]} "
                                      f"{len(groups[0])}")
    role = {index[name]: (b, k) for b, g in enumerate(groups) for k, name in enumerate(g)}
    chans: list[list[tuple[tuple[int, int], int]]] = [[] for _ in groups]
    for c, (p, q) in enumerate(system.channels):
        rp, rq = role.get(p), role.get(q)
        if rp is None and rq is None:
            continue
        if rp is None or rq is None or rp[0] != rq[0]:
            raise InvalidModel(WHERE, f"channel {system.parties[p]}->{system.parties[q]} "
                                      "crosses a group's boundary",
                               "messages may only join parties of one group, or parties "
                               "outside every group")
        chans[rp[0]].append(((rp[1], rq[1]), c))
    for members in chans:
        members.sort()
    shapes = [[r for r, _ in g] for g in chans]
    if any(s != shapes[0] for s in shapes):
        raise InvalidModel(WHERE, f"the groups' channels differ: {shapes}")
    # a message's role: (position of its channel in the group, symbol on the channel)
    msg_role: dict[str, tuple[int, int]] = {}
    for members in chans:
        for pos, (_, c) in enumerate(members):
            for sym, m in enumerate(system._channel_msgs[c]):
                msg_role[system.messages[m].name] = (pos, sym)
    for b, g in enumerate(groups[1:], start=1):
        for k, name in enumerate(g):
            _same_chart(system, index[groups[0][k]], index[name], msg_role)
        for (r0, c0), (_, cb) in zip(chans[0], chans[b], strict=True):
            events0 = [system.messages[m].event for m in system._channel_msgs[c0]]
            events = [system.messages[m].event for m in system._channel_msgs[cb]]
            if events0 != events:
                raise InvalidModel(WHERE, f"channel {r0} of group {b + 1} carries {events}, "
                                          f"of group 1 {events0}")
    _same_timers(system, groups)
    codec = system.codec
    blocks = []
    for g, cg in zip(groups, chans, strict=True):
        fields = [(codec.shifts[index[name]], codec.masks[index[name]].bit_length())
                  for name in g]
        fields += [(system.control_bits + codec.channel_shifts[c], codec.channels[c].width)
                   for _, c in cg]
        blocks.append(tuple(fields))
    return Symmetry(blocks=tuple(blocks))


def counterparts(system: TransitionSystem) -> dict[int, tuple[int, ...]]:
    """Party index -> the indices of the parties playing its role in every group."""
    groups = system.workflow.symmetric
    out: dict[int, tuple[int, ...]] = {}
    for k in range(len(groups[0])):
        same = tuple(system.party_index[g[k]] for g in groups)
        for p in same:
            out[p] = same
    return out


def _same_chart(system: TransitionSystem, p0: int, p: int,
                msg_role: dict[str, tuple[int, int]]) -> None:
    a, b = system.charts[p0], system.charts[p]
    where = f"{WHERE}: party {b.party} against {a.party}"
    for field in ("configs", "active", "final", "defers", "events", "initial"):
        if getattr(a, field) != getattr(b, field):
            raise InvalidModel(where, f"their charts differ ({field})")
    if a.moves.keys() != b.moves.keys() or any(
            [(t, len(g), n) for t, g, n in a.moves[k]] != [(t, len(g), n) for t, g, n in b.moves[k]]
            for k in a.moves):
        raise InvalidModel(where, "their charts' moves differ")
    guards = system.workflow.guards
    if len(a.transitions) != len(b.transitions):
        raise InvalidModel(where, "their charts have different transitions")
    for ta, tb in zip(a.transitions, b.transitions, strict=True):
        label = f"{where}: transition {tb.source!r} --{tb.event}-->"
        if (ta.source, ta.event, ta.target, ta.internal, ta.meta.actor) != (
                tb.source, tb.event, tb.target, tb.internal, tb.meta.actor):
            raise InvalidModel(label, "differs from its counterpart")
        if [pol for _, pol in ta.guard] != [pol for _, pol in tb.guard] or any(
                _code(guards[ga]) is not _code(guards[gb])
                for (ga, _), (gb, _) in zip(ta.guard, tb.guard, strict=True)):
            raise InvalidModel(label, f"guards {[n for n, _ in tb.guard]} are not the same "
                                      f"code as {[n for n, _ in ta.guard]}",
                               "build each group's guards from one function (a closure)")
        if [msg_role.get(m) for m in ta.meta.sends] != [msg_role.get(m) for m in tb.meta.sends]:
            raise InvalidModel(label, f"sends {list(tb.meta.sends)}, not the counterparts of "
                                      f"{list(ta.meta.sends)}")


def _code(guard: Any) -> Any:
    return getattr(guard, "__code__", guard)


def _same_timers(system: TransitionSystem, groups: tuple[tuple[str, ...], ...]) -> None:
    by_party: dict[str, set[str]] = {}
    for t in system.workflow.timers:
        by_party.setdefault(t.party, set()).add(t.event)
    for g in groups[1:]:
        for k, name in enumerate(g):
            if by_party.get(name, set()) != by_party.get(groups[0][k], set()):
                raise InvalidModel(f"{WHERE}: party {name}",
                                   f"timers on {sorted(by_party.get(name, set()))}, its "
                                   f"counterpart {groups[0][k]} has "
                                   f"{sorted(by_party.get(groups[0][k], set()))}")
