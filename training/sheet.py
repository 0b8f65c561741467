"""A contact sheet of synthetic galaxies as the network sees them (after ``to_model_input``),
each labelled with its true inclination."""

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from training.synthetic import render


def contact_sheet(output: Path, seed: int = 7, hard: bool = False, columns: int = 8,
                  rows: int = 4, tile: int = 96) -> Path:
    tiles = []
    for index in range(columns * rows):
        array, galaxy = render(seed, index, hard)
        image = Image.fromarray(array).resize((tile, tile), Image.Resampling.LANCZOS)
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, 22, 11), fill=(0, 0, 0))
        draw.text((2, 0), f"{galaxy.inclination:.0f}", fill=(255, 255, 0))
        tiles.append(np.asarray(image))
    grid = np.concatenate(
        [np.concatenate(tiles[r * columns:(r + 1) * columns], axis=1) for r in range(rows)], axis=0
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    # A 256-colour palette keeps the noisy sheet small enough for the README.
    Image.fromarray(grid).quantize(256, dither=Image.Dither.NONE).save(output, optimize=True)
    return output
