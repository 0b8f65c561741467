"""The preprocessor's domain exceptions; servicekit maps each to its problem+json answer."""

from servicekit.problems import PayloadTooLarge, Unprocessable, UnsupportedMediaType


class UploadTooLarge(PayloadTooLarge):
    """More bytes than the upload limit (checked on Content-Length and again while reading)."""

    slug = "upload-too-large"


class ImageTooLarge(PayloadTooLarge):
    """More pixels than the decompression-bomb guard allows."""

    slug = "image-too-large"


class UnknownImageFormat(UnsupportedMediaType):
    """An image format this service does not decode (BMP, HEIC, …)."""

    slug = "unknown-image-format"


class UnreadableImage(Unprocessable):
    """Empty, truncated, corrupt, or not an image at all."""

    slug = "unreadable-image"
