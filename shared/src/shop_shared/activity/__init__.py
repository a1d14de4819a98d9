"""Step Functions activity worker pool."""

from .runner import ActivityWorkerPool, TaskHandler

__all__ = ["ActivityWorkerPool", "TaskHandler"]
