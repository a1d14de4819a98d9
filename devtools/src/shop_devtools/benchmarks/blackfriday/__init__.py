"""`make bench-blackfriday`: the synchronous baseline and the event-driven system side by side, under the same
open-model load, in four conditions and a 5x spike; a table, ratio lines, a chart and a markdown report."""
