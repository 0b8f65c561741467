"""The ``incline`` command: a client of the gateway for scripts and the shell."""
