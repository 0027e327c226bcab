"""Visits (上门采集 / 走访): outcomes per room and revisit deadlines. So far only the events other services consume."""
