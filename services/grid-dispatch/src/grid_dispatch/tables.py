from jiading_shared.db import new_table_base

GridTable = new_table_base("grid-dispatch")
metadata = GridTable.metadata
