"""Workflow models shipped with ordercheck.

``ordercheck.model.vtex`` is the VTEX marketplace × seller order workflow in two variants,
``documented`` and ``observed``.  The engine (``ordercheck.checks``) never imports this
package: the CLI resolves models by name (``--variant``) or by ``module:attr`` (``--model``).
"""
