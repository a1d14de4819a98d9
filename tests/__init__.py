"""Tests of the whole system, and what the tests of several packages share."""
