"""Grids: the sector grids (片区网格) of each town and the unit grids (村居(单元)网格) inside them."""
