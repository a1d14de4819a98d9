"""Batch worker: the Step Functions activity worker pool of the monthly loyalty-tier run."""
