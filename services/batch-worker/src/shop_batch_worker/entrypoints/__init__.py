"""Entry points of the batch worker: the activity worker pool and the health endpoint."""
