"""The local stack as real processes on loopback, for tests, benchmarks, load and soak runs.

- ``processes``: a service (``python -m <module>``) or redis-server as a child process on a free
  loopback port, stoppable and restartable on the same port;
- ``stack``: Redis, the SkyServer stand-in, catalog, preprocessor, inference (embedded, or over
  the TF Serving stand-in) and the gateway, wired as ``make run`` wires them;
- ``stats``: percentiles, latency figures and a bounded closed-loop load runner.

Not a service: nothing here is imported by the services' code.
"""
