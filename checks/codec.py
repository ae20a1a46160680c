"""The canonical state codec: one Python ``int`` per joint state, the same in every process.

Bit layout (least significant first)::

    | party 0 config | party 1 config | ... | channel 0 contents | channel 1 contents | ... |
    '------------- control_bits ------------''------------- channel fields --------------'

* A party's field holds its local-configuration id, as numbered by the chart compiler
  (document order of the chart, never exploration order); it is as wide as the party's
  number of configurations needs.
* A channel's field holds the **rank** of its contents: the contents are a sequence of the
  channel's messages (``symbols`` = their positions among the workflow's messages on that
  channel, in declaration order) of length at most ``capacity``, ranked in length-then-
  lexicographic order::

      rank(()) = 0,  rank(s) = (k^0 + ... + k^(n-1)) + sum(s[i] * k^(n-1-i))   for len(s) = n

  so the rank depends only on the contents, never on which contents were met first.  Delivery
  modes that keep a multiset or a set store it sorted; the rank of a sorted sequence is still
  canonical (the field is sparse for them, which costs bits, not correctness).

Because both parts are canonical, two processes exploring the same model give every state the
same integer: the precondition for parallel and distributed exploration and for a compiled
back end that reads the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .protocol import InvalidModel

#: A channel field wider than this is refused: a compiled back end stores states in 64-bit
#: words per field, and so many contents mean the capacity is not what the user meant.
MAX_CHANNEL_BITS = 60


@dataclass(slots=True)
class ChannelCodec:
    """Rank and unrank the contents of one channel (pure functions, memoised)."""

    name: str
    symbols: int  # how many distinct messages use the channel
    capacity: int
    width: int = 0
    _rank: dict[tuple[int, ...], int] = field(default_factory=dict, repr=False)
    _unrank: dict[int, tuple[int, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        k, c = self.symbols, self.capacity
        if k > 1 and c * (k.bit_length() - 1) > MAX_CHANNEL_BITS:
            total, self.width = k ** min(c, MAX_CHANNEL_BITS + 1), MAX_CHANNEL_BITS + 1
        else:  # sum of k**n for n = 0..c, in closed form (capacity may be huge)
            total = c + 1 if k == 1 else 1 if k == 0 else (k ** (c + 1) - 1) // (k - 1)
            self.width = max(1, (total - 1).bit_length())
        if self.width > MAX_CHANNEL_BITS:
            raise InvalidModel(
                f"channel {self.name}",
                f"{self.symbols} messages at capacity {self.capacity} have more than "
                f"2^{MAX_CHANNEL_BITS} possible contents",
                "lower --capacity")

    @property
    def mask(self) -> int:
        return (1 << self.width) - 1

    def rank(self, contents: tuple[int, ...]) -> int:
        r = self._rank.get(contents)
        if r is None:
            k, n = self.symbols, len(contents)
            r = sum(k ** j for j in range(n))
            value = 0
            for s in contents:
                value = value * k + s
            r += value
            self._rank[contents] = r
            self._unrank[r] = contents
        return r

    def unrank(self, r: int) -> tuple[int, ...]:
        contents = self._unrank.get(r)
        if contents is None:
            k, n, rest = self.symbols, 0, r
            while rest >= k ** n:
                rest -= k ** n
                n += 1
            digits = []
            for _ in range(n):
                rest, s = divmod(rest, k)
                digits.append(s)
            contents = tuple(reversed(digits))
            self._rank[contents] = r
            self._unrank[r] = contents
        return contents


@dataclass(slots=True)
class StateCodec:
    """Packs (party configurations, channel contents) into one int and back."""

    config_counts: tuple[int, ...]
    channels: tuple[ChannelCodec, ...]
    shifts: tuple[int, ...] = ()
    masks: tuple[int, ...] = ()
    control_bits: int = 0
    channel_shifts: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        shifts, masks, bits = [], [], 0
        for count in self.config_counts:
            width = max(1, (count - 1).bit_length())
            shifts.append(bits)
            masks.append((1 << width) - 1)
            bits += width
        self.shifts, self.masks, self.control_bits = tuple(shifts), tuple(masks), bits
        ch_shifts, total = [], 0
        for ch in self.channels:
            ch_shifts.append(total)
            total += ch.width
        self.channel_shifts = tuple(ch_shifts)

    @property
    def control_mask(self) -> int:
        return (1 << self.control_bits) - 1

    def pack_control(self, configs: list[int] | tuple[int, ...]) -> int:
        x = 0
        for c, s in zip(configs, self.shifts, strict=True):
            x |= c << s
        return x

    def configs(self, state: int) -> list[int]:
        return [(state >> s) & m for s, m in zip(self.shifts, self.masks, strict=True)]

    def channel_ranks(self, chans: int) -> list[int]:
        """Per channel, the rank of its contents, from the channel part of a state."""
        return [(chans >> s) & ch.mask
                for s, ch in zip(self.channel_shifts, self.channels, strict=True)]

    def decode_channels(self, chans: int) -> tuple[tuple[int, ...], ...]:
        """Per channel, its contents as channel symbols."""
        return tuple(ch.unrank((chans >> s) & ch.mask)
                     for s, ch in zip(self.channel_shifts, self.channels, strict=True))

    def encode(self, configs: list[int] | tuple[int, ...],
               contents: tuple[tuple[int, ...], ...]) -> int:
        """The state of the given party configurations and channel contents (symbols)."""
        chans = 0
        for s, ch, c in zip(self.channel_shifts, self.channels, contents, strict=True):
            chans |= ch.rank(c) << s
        return self.pack_control(configs) | chans << self.control_bits
