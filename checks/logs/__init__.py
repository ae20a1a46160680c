"""``ordercheck logs``: recorded VTEX feed/hook logs (or plain status logs) judged per order.

Why a package of small modules: reading the formats (:mod:`.parse`), linking the two parties'
order ids (:mod:`.link`), putting a feed's unordered, duplicated events in order
(:mod:`.ordering`), judging an order against the explored model (:mod:`.judge`, a client of the
one :class:`~ordercheck.checks.belief.BeliefTracker`), timer bounds from timestamps
(:mod:`.timers`), the fleet report and its renderings (:mod:`.fleet`, :mod:`.render`), the
synthetic log generator (:mod:`.generate`) and the command (:mod:`.command`) change for
different reasons.  Nothing here imports the VTEX model: the workflow and the status
classifier arrive by spec.
"""
