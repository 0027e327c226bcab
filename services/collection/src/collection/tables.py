from jiading_shared.db import new_table_base

CollectionTable = new_table_base("collection")
metadata = CollectionTable.metadata
