"""Response headers describing the input image (docs/service-contracts.md)."""

from preprocessor.decoding import DecodedImage


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
