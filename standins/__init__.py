"""Stand-ins: small real servers on 127.0.0.1 that speak the protocols of what cannot be
reached from here (SkyServer, Sesame, TF Serving)."""
