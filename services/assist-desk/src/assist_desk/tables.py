from jiading_shared.db import new_table_base

AssistTable = new_table_base("assist-desk")
metadata = AssistTable.metadata
