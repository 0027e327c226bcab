"""Rules the government changes by notice, kept as versioned, effective-dated data: the category catalogue with its
SLAs, the routing table, and the duty standard's numbers. Versions are never edited; a change is a new version."""
