"""The inference service's problems (mapped to problem+json by servicekit.problems)."""

from servicekit.problems import (
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
    UpstreamUnavailable,
)


class InvalidTensor(Unprocessable):
    slug = "invalid-tensor"


class NotNpy(UnsupportedMediaType):
    slug = "unsupported-media-type"


class TooManyImages(PayloadTooLarge):
    slug = "payload-too-large"


class QuorumNotMet(UpstreamUnavailable):
    """Fewer flavors answered than the quorum; ``failed_flavors`` names the others."""

    slug = "quorum-not-met"


class FlavorError(Exception):
    """One flavor could not answer; ``reason`` is what the response names it with."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
