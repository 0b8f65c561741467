from pathlib import Path

import numpy as np
from PIL import Image

from training.__main__ import main


def test_contact_sheets_of_each_kind_are_grids_of_captioned_tiles(tmp_path: Path) -> None:
    standard, edge_on = tmp_path / "standard.png", tmp_path / "edge-on.png"
    clumpy = tmp_path / "clumpy.png"
    main(["sheet", "--output", str(standard), "--seed", "3"])
    main(["sheet", "--bulge-edge-on", "--output", str(edge_on), "--seed", "3"])
    main(["sheet", "--clumpy", "--output", str(clumpy), "--seed", "3"])
    with Image.open(standard) as one, Image.open(edge_on) as other, Image.open(clumpy) as third:
        assert one.size == other.size == third.size == (8 * 96, 4 * 96)
        first, second = np.array(one.convert("RGB")), np.array(other.convert("RGB"))
        clumps = np.array(third.convert("RGB"))
    # The same draws, another kind of galaxy: the tiles differ.
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, clumps)
    # Each tile carries its label and rendering in yellow (as near as the sheet's palette gets)
    # on black, top left.
    for sheet in (first, second, clumps):
        red, green, blue = (sheet[:12, :96, c].astype(int) for c in range(3))
        yellow = (red > 180) & (green > 180) & (blue < red - 100)
        assert yellow.sum() > 20
        assert (sheet[:12, :96].max(axis=2) < 30).sum() > 100


def test_the_pedestal_sheet_shows_only_galaxies_with_a_sky_pedestal(tmp_path: Path) -> None:
    from training.sheet import contact_sheet
    from training.synthetic import render

    output = contact_sheet(tmp_path / "pedestals.png", seed=3, columns=4, rows=2,
                           pedestals=True)
    with Image.open(output) as sheet:
        assert sheet.size == (4 * 96, 2 * 96)
    drawn = [render(3, index, pedestals=True)[1].pedestal for index in range(40)]
    # some galaxies of the seed have none: the sheet skipped them to fill its eight tiles
    assert "" in drawn and sum(bool(kind) for kind in drawn) >= 8
