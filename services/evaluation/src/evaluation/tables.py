from jiading_shared.db import new_table_base

EvaluationTable = new_table_base("evaluation")
metadata = EvaluationTable.metadata
