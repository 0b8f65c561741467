"""Contact sheets as the network sees the images (after ``to_model_input``): synthetic galaxies
labelled with their inclination (the reported convention) and rendering; and real labelled
images beside synthetic ones of about the same inclination, to see what gives the synthetic
ones away."""

import itertools
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from training.synthetic import render


def contact_sheet(output: Path, seed: int = 7, hard: bool = False, columns: int = 8,
                  rows: int = 4, tile: int = 96, bulge_edge_on: bool = False,
                  pedestals: bool = False, clumpy: bool = False) -> Path:
    """``pedestals``: only galaxies that drew a sky pedestal, captioned with its kind;
    ``clumpy``: clumpy late types (the test-clumpy kind)."""
    tiles: list[np.ndarray] = []
    for index in itertools.count():
        if len(tiles) == columns * rows:
            break
        array, galaxy = render(seed, index, hard, bulge_edge_on=bulge_edge_on,
                               pedestals=pedestals, clumpy=clumpy)
        if pedestals and not galaxy.pedestal:
            continue
        image = Image.fromarray(array).resize((tile, tile), Image.Resampling.LANCZOS)
        caption(image, f"{galaxy.label:.0f} {galaxy.pedestal or galaxy.rendering}")
        tiles.append(np.asarray(image))
    return save_grid(tiles, columns, output)


def caption(image: Image.Image, text: str) -> None:
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 6 * len(text) + 3, 11), fill=(0, 0, 0))
    draw.text((2, 0), text, fill=(255, 255, 0))


def save_grid(tiles: list[np.ndarray], columns: int, output: Path) -> Path:
    rows = len(tiles) // columns
    grid = np.concatenate(
        [np.concatenate(tiles[r * columns:(r + 1) * columns], axis=1) for r in range(rows)], axis=0
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    # A 256-colour palette keeps the noisy sheet small enough for the README.
    Image.fromarray(grid).quantize(256, dither=Image.Dither.NONE).save(output, optimize=True)
    return output


def real_beside_synthetic(real_dir: Path, output: Path, seed: int = 7, pairs: int = 12,
                          tile: int = 96, pool: int = 300) -> Path:
    """Rows of (real, synthetic, real, synthetic, …): each real image of ``real_dir`` (index.csv)
    beside the synthetic galaxy of the closest label among ``pool`` renderings."""
    from preprocessor.pipeline import preprocess_bytes
    from training.realeval import read_index

    images = [i for i in read_index(real_dir) if i.incl is not None][:pairs]
    candidates = [render(seed, index) for index in range(pool)]
    used: set[int] = set()
    tiles = []
    for image in images:
        array = preprocess_bytes(image.path.read_bytes(), "rgb", "none").tensor[0]
        real = Image.fromarray((array * 255).round().astype(np.uint8)).resize((tile, tile))
        caption(real, f"{image.name} {image.incl:.0f}")
        order = sorted((abs(g.label - float(image.incl or 0)), k)
                       for k, (_, g) in enumerate(candidates) if k not in used)
        best = order[0][1]
        used.add(best)
        synthetic_array, galaxy = candidates[best]
        synthetic = Image.fromarray(synthetic_array).resize((tile, tile))
        caption(synthetic, f"syn {galaxy.label:.0f} {galaxy.rendering}")
        tiles += [np.asarray(real), np.asarray(synthetic)]
    columns = 8
    while len(tiles) % columns:
        tiles.append(np.zeros_like(tiles[0]))
    return save_grid(tiles, columns, output)
