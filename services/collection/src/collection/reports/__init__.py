"""Reports: coverage per area and town (不遗漏, 不重复)."""
