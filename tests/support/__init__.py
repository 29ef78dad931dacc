"""Test-only helpers that used to live in the product: an app showing only the simulator, and the
lab's test hooks (an extra client machine, back to the start between tests)."""
