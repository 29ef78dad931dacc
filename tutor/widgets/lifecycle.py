"""Where a widget is in its life: fast keys can reach a screen or panel Textual is removing."""

from __future__ import annotations

from textual.dom import DOMNode


def being_removed(node: DOMNode) -> bool:
    """True once Textual has started removing `node` (or a parent, or its screen): its children
    may already be gone, so there is nothing left to fill in or to act on."""
    # `_pruning` is set on every node of a removed subtree before any is detached (Textual 8.2).
    return bool(getattr(node, "_pruning", False) or node._closing or node._closed) or not node.is_attached
