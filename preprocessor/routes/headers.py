"""Response headers describing the input image (docs/service-contracts.md)."""

from preprocessor.decoding import DecodedImage
from preprocessor.framing import Framing


def image_headers(decoded: DecodedImage) -> dict[str, str]:
    headers = {
        "X-Image-Format": decoded.format,
        "X-Image-Width": str(decoded.width),
        "X-Image-Height": str(decoded.height),
        "X-Image-Mode": decoded.mode,
        "X-Image-SHA256": decoded.sha256,
    }
    for key, value in decoded.details.items():
        headers[f"X-FITS-{key.capitalize()}"] = value
    return headers


def framing_headers(framing: Framing | None) -> dict[str, str]:
    """With frame=auto: X-Framing-Applied (true|false), X-Framing-Square (left,top,side: the
    square measured, in the image's pixels), and where the galaxy was found, when it was:
    X-Framing-Galaxy (x,y,diameter in pixels), X-Framing-Offset and X-Framing-Extent (fractions
    of the frame's side)."""
    if framing is None:
        return {}
    headers = {
        "X-Framing-Applied": "true" if framing.applied else "false",
        "X-Framing-Square": ",".join(f"{v:.1f}" for v in framing.square),
        "X-Framing-Reason": framing.reason,
    }
    if framing.found is not None:
        found = framing.found
        headers["X-Framing-Galaxy"] = f"{found.x:.1f},{found.y:.1f},{found.diameter:.1f}"
        headers["X-Framing-Offset"] = f"{found.offset:.3f}"
        headers["X-Framing-Extent"] = f"{found.extent:.3f}"
    return headers
