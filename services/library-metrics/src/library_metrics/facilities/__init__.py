"""Facilities: public libraries, reading rooms and cultural centres of every tier, in the 总分馆 hierarchy."""
