"""The store: the unit of work, the tables, the schema upgrade, and the audit trail every change writes to."""
