"""Cross-cutting pieces every Incline service shares: settings base, problem+json errors,
JSON-lines logging with request ids, Prometheus metrics, the x-npy tensor codec, pooled HTTP
clients, and the app factory that wires them together."""
