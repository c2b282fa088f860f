"""The splitter's `Settings`: every number the splitter is tuned by (boxes are
figscrape.geometry.PixelBox). They live apart from the code that uses them so that masks, lines,
pieces and joining rules read their thresholds from one place (and tests or benchmarks can try other
values) instead of keeping magic numbers in their functions. Sizes are in analysis pixels (see
`analysis_side`); shares are of the figure, a piece or a panel, as each comment says."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    # -- the analysis view and its background
    analysis_side: int = 1000  # the grey view is analysed at most this many pixels long
    black_level: int = 35  # a background at most this level is black (texture counts there as content)
    white_level: int = 220  # a background at least this level is white; between the two it is a picture
    gutter_tolerance: int = 24  # grey levels from 255 or 0 that a gutter's pixels may be
    gutter_share: float = 0.995  # share of a row or column near that level for it to be gutter
    gutter_flank: float = 0.8  # the lines just before and after a gutter are at most this share near it
    gutter_run: int = 2  # a gutter is a run of at least this many rows or columns
    gutter_min_side: int = 4  # a view no more than this many pixels high or wide has no gutters
    frame_band: float = 0.03  # a frame round the whole figure lies within this share of each side from its edge
    frame_margin: float = 0.01  # and is at most this share of the side thick (or line_thickness pixels)
    frame_share: float = 0.9  # its lines are this share unlike the page
    frame_inside: float = 0.5  # and the line inside it at most this share
    background_tolerance: int = 14  # grey levels from the background that still count as background
    texture: float = 2.0  # local standard deviation that marks content on a flat background
    texture_window: int = 3  # length of the windows (one across, one along) the deviation is measured in
    texture_open: int = 3  # side of the square that opens texture, so lone rough pixels are not content

    # -- gutters cut at a finer scale (cuts.py)
    cut_side: int = 2000  # gutters are looked for in a grey view at most this many pixels long
    cut_depth: int = 6  # parts of parts are cut this many times deep at most
    seam_step: int = 20  # grey levels a picture jumps by across a seam where two pictures touch
    seam_span: int = 3  # the jump is measured between columns this far either side, so a line up to 4 thick is no seam
    seam_share: float = 0.7  # share of a seam's rows with that jump
    seam_ratio: float = 3.0  # and this many times the share of the columns around it
    seam_floor: float = 0.02  # (plus this, so that a jump beside flat columns must still be a clear one)
    seam_window: int = 8  # columns either side that make "around it"
    seam_rough: int = 2  # grey levels between neighbours along a column that make it vary
    seam_texture: float = 0.05  # share of a column's length that varies, on both sides of a seam
    seam_picture: float = 0.5  # a part is looked at for seams when this share of it is mid-grey (pictures, not lines on a page)
    seam_flat: float = 0.5  # a part whose mid-grey pixels are more than this share equal to their neighbour (masks.flat_share) is drawn: no seams
    picture_mid: float = 0.25  # a run of the other colour than the page, or a seam, has pictures on both sides: this share mid-grey
    picture_reach: int = 6  # over this many lines beside it

    # -- montages of equal tiles (grids.py)
    grid_picture: float = 0.3  # a row or column of a montage is at least this share picture (not page); fewer is text or margin
    grid_bridge: int = 3  # picture lines this many apart are one block (a thin gutter between tiles)
    grid_bridge_share: float = 0.005  # or this share of the block's length, if more
    grid_min_tile: int = 40  # a tile is at least this many pixels (of the finer view) wide and high
    grid_fewest: int = 3  # a montage has at least this many tiles
    grid_pair: float = 0.95  # two tiles make a montage when the level jumps between them on this share of the rows (a divider, pictures meeting all along)
    grid_most: int = 16  # a montage has at most this many tiles across (or down)
    grid_slack: float = 0.08  # a boundary may fall this share of the pitch from where equal tiles put it
    grid_edge: float = 0.36  # share of a boundary's rows where the level jumps across it
    grid_contrast: float = 1.5  # and this many times the share along the middle half of the tiles
    grid_rival: float = 0.95  # and this quantile of the shares of the columns away from the boundaries
    grid_middle: float = 0.25  # which is at most this (median): more is a heatmap's or a chart's edges
    grid_line: float = 0.9  # or, where the middles are busier (a slice's own edges), the jump is a line along this share of the rows
    grid_margin: float = 0.97  # or the share of its rows at the block's margin level (black between slices on black)
    grid_margin_middle: float = 0.7  # when each tile's middle is at most this share margin (a slice is in it)
    grid_body: float = 0.15  # a tile with less content than this share apart from its margin level is judged flat or not whole
    stack_edge: float = 0.25  # a panel k times its grid's pitch is cut where this share of its columns jump (see grids._stacked)
    grid_near: float = 0.004  # panels this share of the figure's longer side apart (or touching) may be tiles of one montage
    grid_within: float = 0.8  # whose tiles each lie this share inside one of them
    grid_flat: float = 0.7  # a tile whose content (not margin) is more than this share equal to the pixel above is drawn: no montage
    grid_block: int = 4  # and more than grid_block_flat of it equal to the pixel this many lines above: not a picture enlarged in blocks
    grid_block_flat: float = 0.5  # (a drawing's fills are equal that far too; an enlarged picture's blocks end)

    # -- thin lines
    line_length: float = 0.2  # a straight run this share of the side long is a line
    line_min_length: int = 15  # and at least this many pixels long, whatever the side
    line_thickness: int = 4  # analysis pixels
    dash_join: int = 15  # closing length that joins a dashed line's dashes into one line
    line_solid: int = 5  # closing square that fills pictures, so that their solid parts are not lines
    line_margin: int = 25  # ticks and touching content lie within this many pixels of a line
    line_widen: int = 3  # square a line is widened by before its neighbourhood is looked at
    line_side: int = 2  # content this many pixels to either side of a line runs along it
    line_touched: float = 0.3  # a line with content beside less than this share of its length stands apart
    tick_length: int = 12  # a tick mark is at most this long along its line
    tick_across: int = 20  # and at most this long across it
    tick_reach: int = 5  # square within which a tick mark touches its line
    axis_ticks: int = 3  # a line with this many tick marks is an axis, and stays
    stroke_density: float = 0.15  # a piece covering less of its box is a stroke (a curve's piece): a frame cutting only strokes stays
    axis_strip: float = 0.5  # in a figure with no panel-sized piece, a thin piece this share of its width long is an axis strip

    # -- pieces and their classification
    speck: int = 6  # pieces of fewer pixels are noise (and what is left of a removed line's corner)
    bridge: int = 6  # strokes up to this thick (analysis pixels) may join pictures that are apart
    glyph_side: float = 0.05  # a piece less than this share of the figure's height or width is a glyph
    word_row: float = 0.5  # glyphs overlapping by this share of the shorter one's height share a row
    word_gap: float = 1.5  # glyphs of a row at most this many heights apart are one line of text
    major_area: float = 0.012  # a panel covers at least this share of the figure
    major_side: float = 0.06  # and is at least this share of the figure's width and height
    equal_size: float = 0.05  # pictures too thin for that are panels with others this share alike in width and height (pieces._equal_pictures)
    solid: float = 0.9  # a piece covering this share of its box is solid: a filled rectangle
    flat_level: int = 64  # a flat box's level is above this (darker, it is a picture)
    flat_tolerance: int = 6  # grey levels from its median that a flat box's pixels are within
    flat_share: float = 0.8  # share of a flat box's pixels within that tolerance
    blank_share: float = 0.995  # a solid panel-sized dark box this share within flat_tolerance of its median is blank: no panel (pieces.blank)
    flat_panel: float = 0.7  # a flat box this share of the median panel's area or more is a panel
    picture_spread: float = 12.0  # standard deviation of grey levels above which a piece is a picture
    bridged_share: float = 0.85  # pictures joined by strokes hold this share of their piece's pixels
    container_density: float = 0.2  # an outline around panels covers less than this share of its box
    container_inside: float = 0.8  # a panel this share inside an outline is inside it
    container_side: float = 0.3  # and the outline runs along this share of each side of its box (dashes too)
    empty_share: float = 0.01  # a bare outline round content covering at most this share of its box is an empty cell (gutters.keep_line_drawings)
    frame_closed: float = 0.9  # removed lines along this share of each side of a box are a frame round the one panel inside (gutters.framed)

    # -- joining pieces into panels
    merge_overlap: float = 0.3  # boxes overlapping by this share of the smaller are one panel
    span_overlap: float = 0.2  # text overlapping two panels by this share of their width or height spans them
    attach_reach: float = 0.03  # small pieces further than this share of the diagonal are dropped
    attach_fit: float = 1.1  # a small piece at most this many times a panel's width and height may join it
    align_slack: float = 0.3  # share of attach_reach within which panels' sides line up (a grid's rows and columns)
    orphan_panel: float = 0.7  # small pieces no panel claims are a panel when together this share of the median panel's width and height or more
    attach_tie: float = 1e-9  # gap added per unit of area below the largest panel: equal gaps go to the larger
    strip_thin: float = 0.3  # a strip is at most this share of its panel's height (or width) thick
    strip_slack: float = 0.05  # and within its panel's extent but for this share of it
    strip_cover: float = 0.6  # and runs along at least this share of it
    satellite_area: float = 0.3  # a satellite is at most this share of its panel's area
    satellite_gap: float = 0.3  # and closer than this share of the widest gap between neighbours
    satellite_slack: int = 2  # pixels a satellite may stick out of its panel's extent
    halves_overlap: float = 0.8  # two halves of a picture overlap by this share of the taller's height
    halves_gap: float = 0.35  # and are at most this share of the narrower's width apart
    halves_density: float = 0.3  # each is content over at least this share of the rows they share
    ragged_rows: int = 8  # an edge is judged ragged over more than this many rows
    ragged_spread: float = 0.06  # an edge wandering more than this share of the piece's width is ragged
    halves_tall: float = 1.3  # halves this many times taller than wide are a lung each
    halves_solidity: float = 0.9  # a half less convex than this is hollowed (a lung by the heart)
    halves_flat: float = 0.5  # a half with more of its content equal to the pixel above is drawn (a chart, a diagram): no lung
    halves_double: float = 1.6  # a join this many times the median panel's area or more is two panels
    halves_part: float = 0.6  # when each part is at least this share of the median panel's area

    # -- reading order
    row_band: float = 0.5  # a row holds the boxes whose tops are above its first box's bottom by more than this share of its height
