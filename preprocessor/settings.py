from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class PreprocessorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PREPROCESSOR_", extra="ignore")

    port: int = 8002
    # Largest request body for one image (POST /preprocess, /preview), bytes → else 413. At least
    # the gateway's GATEWAY_MAX_UPLOAD_BYTES: it forwards an upload as it is. A FITS frame of more
    # than fits.MAX_DECODED_PIXELS is block-averaged before its stretch.
    max_upload_bytes: int = 40 * 1024 * 1024
    # Largest request body for the three g, r, i FITS files together (…/bands), bytes → else 413.
    max_bands_upload_bytes: int = 30 * 1024 * 1024
    # Decompression-bomb guard: most pixels one image (or one FITS band) may have → else 413.
    # Also set as Pillow's Image.MAX_IMAGE_PIXELS when the app is created.
    max_image_pixels: int = 40_000_000
    # A gzip-compressed FITS (.fits.gz) may inflate to at most this many bytes → else 413.
    max_inflated_bytes: int = 100 * 1024 * 1024
    # Images decoded at the same time (CPU-bound work in worker threads); others wait their turn.
    decode_concurrency: int = 2
