"""Grid-dispatch service (DB 31114/Z 009, 010): grids and departments, duty, incidents, joint rectification."""
