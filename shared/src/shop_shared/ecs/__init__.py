"""Talking to the ECS container agent from inside a task."""

from .task_protection import TaskProtection

__all__ = ["TaskProtection"]
