from jiading_shared.db import new_table_base

LibraryTable = new_table_base("library-metrics")
metadata = LibraryTable.metadata
