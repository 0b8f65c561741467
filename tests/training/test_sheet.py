from pathlib import Path

import numpy as np
from PIL import Image

from training.__main__ import main


def test_contact_sheets_of_each_kind_are_grids_of_captioned_tiles(tmp_path: Path) -> None:
    standard, edge_on = tmp_path / "standard.png", tmp_path / "edge-on.png"
    main(["sheet", "--output", str(standard), "--seed", "3"])
    main(["sheet", "--bulge-edge-on", "--output", str(edge_on), "--seed", "3"])
    with Image.open(standard) as one, Image.open(edge_on) as other:
        assert one.size == other.size == (8 * 96, 4 * 96)
        first, second = np.array(one.convert("RGB")), np.array(other.convert("RGB"))
    # The same draws, another kind of galaxy: the tiles differ.
    assert not np.array_equal(first, second)
    # Each tile carries its label and rendering in yellow (as near as the sheet's palette gets)
    # on black, top left.
    for sheet in (first, second):
        red, green, blue = (sheet[:12, :96, c].astype(int) for c in range(3))
        yellow = (red > 180) & (green > 180) & (blue < red - 100)
        assert yellow.sum() > 20
        assert (sheet[:12, :96].max(axis=2) < 30).sum() > 100
