"""shopctl, the operator's CLI: `shopctl status`, `shopctl dlq show|redrive` (the same code locally and on AWS)."""
