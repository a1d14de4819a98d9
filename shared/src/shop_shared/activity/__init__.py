"""Step Functions activity worker pool."""

from .metrics import ActivityMetrics
from .runner import ActivityWorkerPool, PollPolicy, TaskHandler

__all__ = ["ActivityMetrics", "ActivityWorkerPool", "PollPolicy", "TaskHandler"]
