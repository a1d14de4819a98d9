"""The synchronous "before" checkout of `make bench-blackfriday`: a benchmark fixture, NOT a deployable.

The same `POST /orders` as the order service (the same body, validation, domain model and stored item), but the
handler calls the payment provider (`POST /v1/charges`) and then the loyalty partner (`POST /v1/credits`)
inline over HTTP before it answers, and stores the settled order in a DynamoDB table of its own: the
order -> payment -> loyalty chain that fell over on Black Friday. It exists only to be measured side by side
with the event-driven system; it has no outbox, no idempotency keys and no infrastructure outside the benchmark.
It is also unauthenticated: the benchmark's load sends every customer's bearer token to both designs, and this
fixture ignores it, so the event-driven figures carry order's token verification and the baseline's do not.
"""
