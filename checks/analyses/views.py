"""Lazy, recording views of states and steps, and predicate memos built on them.

Why: a property is a Python predicate over a :class:`JointView` (or a :class:`StepView`),
evaluated on every reachable state (or step).  At 295 k states and 1.3 M steps, building
each view in full — messages in flight, armed timers, the real target of a step under
symmetry reduction — cost minutes.  These views compute a field only when the predicate
reads it, and count reads beyond the control value, so :class:`Memo` can reuse a result
for every state (step) with the same control value (and action) when the predicate read
nothing else.  That is sound for any deterministic predicate: given the same values read,
it reads the same fields and returns the same answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..properties import JointView, StepView
from ..system import Action

if TYPE_CHECKING:
    from .context import Views

_set_status = JointView.__dict__["status"].__set__
_set_active = JointView.__dict__["active"].__set__
_set_final = JointView.__dict__["final"].__set__
_set_before = StepView.__dict__["before"].__set__
_set_label = StepView.__dict__["label"].__set__
V = TypeVar("V", bound=JointView)


def _with_control(cls: type[V], status: Any, active: Any, final: Any) -> V:
    """A new (frozen) view of class ``cls`` with its control fields set."""
    v = object.__new__(cls)
    _set_status(v, status)
    _set_active(v, active)
    _set_final(v, final)
    return v


class LazyView(JointView):
    """A :class:`JointView` whose fields beyond the control value (in flight, timers,
    automatic) are computed from the memo tables of :class:`~.context.Views` when read."""

    __slots__ = ("_src", "_state")

    _src: Views
    _state: int

    @classmethod
    def of(cls, views: Views, state: int) -> LazyView:
        v = _with_control(cls, *views.control(state & views._mask))
        object.__setattr__(v, "_src", views)
        object.__setattr__(v, "_state", state)
        return v

    @property  # type: ignore[override]
    def in_flight(self) -> tuple[str, ...]:
        self._src.state_reads += 1
        return self._src.in_flight(self._state)

    @property  # type: ignore[override]
    def timers(self) -> tuple[str, ...]:
        self._src.state_reads += 1
        return self._src.moves(self._state)[0]

    @property  # type: ignore[override]
    def automatic(self) -> bool:
        self._src.state_reads += 1
        return self._src.moves(self._state)[1]


class Unprojected(BaseException):
    """A predicate read what a projection of configurations does not fix (messages in
    flight, timers, the automatic flag): it must see the real state.  A ``BaseException``
    so that a predicate's own ``except Exception`` cannot swallow it."""


class NeedsQuiescence(BaseException):
    """A predicate read ``quiescent`` of a :class:`ConfigView` built without it."""


class ConfigView(JointView):
    """A :class:`JointView` made of configurations alone (one instance of a quantified
    property, :mod:`.instances`), optionally with whether the system is quiescent; reading
    anything else raises :class:`Unprojected`."""

    __slots__ = ("_quiescent", "signal")

    _quiescent: bool | None
    #: the signal a read raised, kept so that a predicate that swallowed it (a bare
    #: ``except:``) is still known to have needed more than configurations
    signal: type[BaseException] | None

    @classmethod
    def of(cls, status: dict[str, str], active: dict[str, frozenset[str]],
           final: dict[str, bool], quiescent: bool | None) -> ConfigView:
        v = _with_control(cls, status, active, final)
        object.__setattr__(v, "_quiescent", quiescent)
        object.__setattr__(v, "signal", None)
        return v

    def _raise(self, signal: type[BaseException]) -> None:
        if self.signal is None or signal is Unprojected:
            object.__setattr__(self, "signal", signal)
        raise signal

    @property  # type: ignore[override]
    def in_flight(self) -> tuple[str, ...]:
        self._raise(Unprojected)
        raise AssertionError  # unreachable

    @property  # type: ignore[override]
    def timers(self) -> tuple[str, ...]:
        self._raise(Unprojected)
        raise AssertionError  # unreachable

    @property  # type: ignore[override]
    def automatic(self) -> bool:
        self._raise(Unprojected)
        raise AssertionError  # unreachable

    @property
    def quiescent(self) -> bool:
        if self._quiescent is None:
            self._raise(NeedsQuiescence)
        return bool(self._quiescent)


class LazyStep(StepView):
    """A :class:`StepView` whose ``after`` is built when first read (and noted as read)."""

    __slots__ = ("_after", "_make")

    _make: Callable[[], JointView]
    _after: JointView | None

    @classmethod
    def of(cls, before: JointView, label: Action, make: Callable[[], JointView]) -> LazyStep:
        s = object.__new__(cls)
        _set_before(s, before)
        _set_label(s, label)
        object.__setattr__(s, "_make", make)
        object.__setattr__(s, "_after", None)
        return s

    @property  # type: ignore[override]
    def after(self) -> JointView:
        after = self._after
        if after is None:
            after = self._make()
            object.__setattr__(self, "_after", after)
        return after

    @property
    def after_read(self) -> bool:
        return self._after is not None


class Memo:
    """Predicate values memoised by the control value (state predicates) or by the control
    value and action (step predicates), for the evaluations that read nothing else.

    A step's target control value is a function of its source control value and its action:
    one step changes only the acting party's configuration, to the target of the transition
    the action names (a loss or an ignored delivery changes none).  So a step predicate
    that read only statuses (of ``before`` and ``after``) and the action gives the same
    answer on every step with that source control value and action, whatever the channels
    hold — and the expensive part, the real target under symmetry reduction, is built once
    per key.  ``tests/test_graph_arrays.py`` checks the premise on the VTEX models.
    """

    def __init__(self, views: Views) -> None:
        self.views = views
        self._states: dict[tuple[Any, int], bool] = {}
        self._steps: dict[tuple[Any, int, int], bool] = {}

    def state(self, pred: Callable[[JointView], bool], i: int) -> bool:
        return self.state_value(pred, i)[0]

    def state_value(self, pred: Callable[[JointView], bool], i: int) -> tuple[bool, bool]:
        """(value, whether it holds for every state with ``i``'s control value)."""
        views = self.views
        key = (pred, views.graph.states[i] & views._mask)
        hit = self._states.get(key)
        if hit is not None:
            return hit, True
        reads = views.state_reads
        value = bool(pred(views[i]))
        if views.state_reads == reads:
            self._states[key] = value
            return value, True
        return value, False

    def step(self, pred: Callable[[StepView], bool], i: int, label: int, j: int) -> bool:
        return self.step_value(pred, i, label, j)[0]

    def step_value(self, pred: Callable[[StepView], bool], i: int, label: int, j: int
                   ) -> tuple[bool, bool]:
        """(value, whether it holds for every step with ``i``'s control value and
        ``label``)."""
        views = self.views
        key = (pred, views.graph.states[i] & views._mask, label)
        hit = self._steps.get(key)
        if hit is not None:
            return hit, True
        reads = views.state_reads
        value = bool(pred(views.step(i, label, j)))
        if views.state_reads == reads:
            self._steps[key] = value
            return value, True
        return value, False
