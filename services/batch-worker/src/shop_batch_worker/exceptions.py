"""The exceptions of the batch worker: none of its own.

The tier run works on loyalty's accounts, so the errors it raises are loyalty's, from loyalty's published module
`shop_loyalty.tiers` (an account that keeps changing under the run raises `ConcurrentUpdate`); Step Functions
sees their class names. A task input that is not valid fails the task with pydantic's `ValidationError`.
"""

from __future__ import annotations

__all__: list[str] = []
