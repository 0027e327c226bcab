"""The assist-desk policy: the rules the 区政务服务办公室 changes by notice (time limits of 兜底办 types and forms,
warning lead, rectification deadline, random call-back share), as effective-dated versions."""
